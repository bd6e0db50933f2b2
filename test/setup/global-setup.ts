import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDbt, ensureDeltaReader, ensureTemporalBinaries } from '../../infra/install';
import { startFakesnow, stopFakesnow } from '../../infra/fakesnow';
import { startKafka, stopKafka } from '../../infra/kafka';
import { stopKafkaConnect } from '../../infra/kafka-connect';
import { removePostgres, startPostgres } from '../../infra/postgres';
import { startTemporal, stopTemporal } from '../../infra/temporal';
import { TEST_TMP_ROOT } from '../helpers/tmp';
import { freePort, TEST_SERVICES_DIR, type TestServices } from './test-services';

/** Starts a headless Temporal dev server and a Kafka broker on free loopback ports for this test run. */
export default async function globalSetup(): Promise<void> {
  const log = (m: string): void => console.log(`\n[test services] ${m}`);
  // Services a killed earlier run left behind would hold files this run is about to replace.
  await stopKafkaConnect(join(TEST_SERVICES_DIR, 'kafka-connect'));
  await stopKafka(join(TEST_SERVICES_DIR, 'kafka'));
  await stopTemporal(join(TEST_SERVICES_DIR, 'temporal'));
  await stopFakesnow(join(TEST_SERVICES_DIR, 'fakesnow'));
  await removePostgres(join(TEST_SERVICES_DIR, 'postgres')); // the cluster may live outside the folder (as root)
  rmSync(TEST_SERVICES_DIR, { recursive: true, force: true });
  rmSync(TEST_TMP_ROOT, { recursive: true, force: true }); // an earlier run's test folders (kept or killed)
  mkdirSync(TEST_SERVICES_DIR, { recursive: true });
  const bins = ensureTemporalBinaries(undefined, log);
  const deltaPython = ensureDeltaReader(undefined, log);
  const dbt = ensureDbt(undefined, log);
  const [grpcPort, kafkaPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  await startTemporal({
    dir: join(TEST_SERVICES_DIR, 'temporal'),
    dbFile: join(TEST_SERVICES_DIR, 'temporal', 'temporal.sqlite'),
    host: '127.0.0.1',
    grpcPort,
    log,
  });
  const postgresPort = await freePort();
  await startPostgres({ dir: join(TEST_SERVICES_DIR, 'postgres'), host: '127.0.0.1', port: postgresPort, log });
  await startKafka({
    dir: join(TEST_SERVICES_DIR, 'kafka'),
    host: '127.0.0.1',
    port: kafkaPort,
    controllerPort,
    heap: '384m',
    log,
  });
  const [snowflakePort, s3Port] = [await freePort(), await freePort()];
  await startFakesnow({ dir: join(TEST_SERVICES_DIR, 'fakesnow'), port: snowflakePort, s3Port, log });
  const endpoints: TestServices = {
    temporalAddress: `127.0.0.1:${grpcPort}`,
    testServerPath: bins.testServer,
    kafkaBroker: `127.0.0.1:${kafkaPort}`,
    deltaPython,
    postgresPort,
    snowflakePort,
    s3Port,
    dbt,
  };
  writeFileSync(join(TEST_SERVICES_DIR, 'endpoints.json'), JSON.stringify(endpoints, null, 2));
  log(`Temporal ${endpoints.temporalAddress}, Kafka ${endpoints.kafkaBroker}`);
}
