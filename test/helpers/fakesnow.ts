import { SnowflakeWarehouse } from '../../activities/warehouse';
import { testServices } from '../setup/test-services';

const connect = (database: string): Promise<SnowflakeWarehouse> =>
  SnowflakeWarehouse.open({
    account: 'fakesnow',
    username: 'fake',
    password: 'snow',
    database,
    schema: 'public',
    accessUrl: `http://127.0.0.1:${testServices().snowflakePort}`,
  });

/**
 * A Snowflake warehouse on the test run's local Snowflake-protocol server (fakesnow behind the JSON
 * shim), in `database`, created first: a connection that logged in before its database existed has
 * no current database on that server, so the pool is opened after.
 */
export async function openFakesnow(database: string): Promise<SnowflakeWarehouse> {
  const bootstrap = await connect(database);
  try {
    await bootstrap.execute(`CREATE DATABASE IF NOT EXISTS ${database}`);
  } finally {
    await bootstrap.close();
  }
  return connect(database);
}

/** Opens real Snowflake when SNOWFLAKE_ACCOUNT (with SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_DATABASE) is set. */
export function realSnowflakeFromEnv(): (() => Promise<SnowflakeWarehouse>) | undefined {
  const account = process.env.SNOWFLAKE_ACCOUNT;
  if (!account) return undefined;
  return () =>
    SnowflakeWarehouse.open({
      account,
      username: process.env.SNOWFLAKE_USER ?? '',
      password: process.env.SNOWFLAKE_PASSWORD,
      database: process.env.SNOWFLAKE_DATABASE ?? 'EDP_TEST',
      warehouse: process.env.SNOWFLAKE_WAREHOUSE,
      role: process.env.SNOWFLAKE_ROLE,
    });
}
