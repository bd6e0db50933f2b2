import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopFakesnow } from '../../infra/fakesnow';
import { stopKafka } from '../../infra/kafka';
import { stopKafkaConnect } from '../../infra/kafka-connect';
import { removePostgres } from '../../infra/postgres';
import { stopTemporal } from '../../infra/temporal';
import { TEST_TMP_ROOT } from '../helpers/tmp';
import { TEST_SERVICES_DIR } from './test-services';

/**
 * Stops the services global setup started and removes what the run wrote outside the checkout: PostgreSQL's
 * data folder (under /var/tmp when run as root) and the tests' temporary folders, unless `EDP_TEST_KEEP_TMP=1`.
 */
export default async function globalTeardown(): Promise<void> {
  await stopKafkaConnect(join(TEST_SERVICES_DIR, 'kafka-connect')); // started by the cdc suites that need it
  await stopKafka(join(TEST_SERVICES_DIR, 'kafka'));
  await stopTemporal(join(TEST_SERVICES_DIR, 'temporal'));
  await removePostgres(join(TEST_SERVICES_DIR, 'postgres'));
  await stopFakesnow(join(TEST_SERVICES_DIR, 'fakesnow'));
  if (process.env.EDP_TEST_KEEP_TMP !== '1') rmSync(TEST_TMP_ROOT, { recursive: true, force: true });
}
