import { SnowflakeWarehouse } from '../../activities/warehouse';
import { testServices } from '../setup/test-services';

/** A Snowflake warehouse on the test run's local Snowflake-protocol server (fakesnow behind the JSON shim). */
export function openFakesnow(database: string): Promise<SnowflakeWarehouse> {
  return SnowflakeWarehouse.open({
    account: 'fakesnow',
    username: 'fake',
    password: 'snow',
    database,
    schema: 'public',
    accessUrl: `http://127.0.0.1:${testServices().snowflakePort}`,
  });
}
