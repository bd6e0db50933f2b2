import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the test run keeps its own services, apart from a user's `edp up` (`EDP_TEST_SERVICES_DIR` for a second run alongside). */
export const TEST_SERVICES_DIR =
  process.env.EDP_TEST_SERVICES_DIR ?? join(__dirname, '..', '..', '.edp', 'test-services');

/** Endpoints of the services global setup started for this test run. */
export interface TestServices {
  temporalAddress: string;
  testServerPath: string;
  kafkaBroker: string;
  /** The test PostgreSQL (operational source) port on 127.0.0.1. */
  postgresPort: number;
  /** Python with delta-rs (PyPI `deltalake`), the independent reader of exported tables. */
  deltaPython: string;
  /** The local Snowflake-protocol server (fakesnow behind the JSON shim) on 127.0.0.1. */
  snowflakePort: number;
  /** The local S3 (moto) beside it, behind external s3:// stages on that server. */
  s3Port: number;
  /** dbt-core with dbt-duckdb (PyPI): the reference the transform engine is compared with. */
  dbt: string;
}

/** Reads the endpoints written by global setup. */
export function testServices(): TestServices {
  const file = join(TEST_SERVICES_DIR, 'endpoints.json');
  if (!existsSync(file))
    throw new Error(`${file} is missing: run the tests through jest (global setup starts the services)`);
  return JSON.parse(readFileSync(file, 'utf8')) as TestServices;
}

export { freePort } from '../../infra/process';
