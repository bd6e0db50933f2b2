import { join } from 'node:path';
import { stopFakesnow } from '../../infra/fakesnow';
import { stopKafka } from '../../infra/kafka';
import { stopKafkaConnect } from '../../infra/kafka-connect';
import { stopPostgres } from '../../infra/postgres';
import { stopTemporal } from '../../infra/temporal';
import { TEST_SERVICES_DIR } from './test-services';

/** Stops the services global setup started. */
export default async function globalTeardown(): Promise<void> {
  await stopKafkaConnect(join(TEST_SERVICES_DIR, 'kafka-connect')); // started by the cdc suites that need it
  await stopKafka(join(TEST_SERVICES_DIR, 'kafka'));
  await stopTemporal(join(TEST_SERVICES_DIR, 'temporal'));
  await stopPostgres(join(TEST_SERVICES_DIR, 'postgres'));
  await stopFakesnow(join(TEST_SERVICES_DIR, 'fakesnow'));
}
