import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SnowflakeWarehouse, type SnowflakeOptions } from '../../activities/warehouse';
import { testServices } from '../setup/test-services';

const connect = (database: string, extra: Partial<SnowflakeOptions> = {}): Promise<SnowflakeWarehouse> =>
  SnowflakeWarehouse.open({
    account: 'fakesnow',
    username: 'fake',
    password: 'snow',
    database,
    schema: 'public',
    accessUrl: `http://127.0.0.1:${testServices().snowflakePort}`,
    ...extra,
  });

/**
 * A Snowflake warehouse on the test run's local Snowflake-protocol server (fakesnow behind the JSON
 * shim), in `database`, created first: a connection that logged in before its database existed has
 * no current database on that server, so the pool is opened after.
 */
export async function openFakesnow(
  database: string,
  extra: Partial<SnowflakeOptions> = {},
  setup: readonly string[] = [],
): Promise<SnowflakeWarehouse> {
  const bootstrap = await connect(database);
  try {
    await bootstrap.execute(`CREATE DATABASE IF NOT EXISTS ${database}`);
  } finally {
    await bootstrap.close();
  }
  const w = await connect(database, extra);
  try {
    for (const sql of setup) await w.execute(sql); // opening touches no stage, so setup may create it
  } catch (err) {
    await w.close();
    throw err;
  }
  return w;
}

/** The local S3 beside the test server: any key is accepted. */
export function localS3(): { client: S3Client; endpoint: string } {
  // The warehouse's own S3 client takes the AWS default chain, i.e. these.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const endpoint = `http://127.0.0.1:${testServices().s3Port}`;
  return { client: new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' }), endpoint };
}

/** Keys of the objects under `prefix` in the local S3. */
export async function s3Keys(bucket: string, prefix: string): Promise<string[]> {
  const listed = await localS3().client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

/** What a test may change about the external stage of {@link openFakesnowWithS3Stage}. */
export interface S3StageTest {
  /** The URL the warehouse is configured with; default the stage's own. */
  url?: string;
  /** Where the warehouse writes; default the local S3. */
  endpoint?: string;
  /** Create the bucket first (default true). */
  createBucket?: boolean;
}

/**
 * A warehouse on the local server whose bulk loads go through an external stage on the local S3
 * (stage `ext.s3_landing` on `s3://<bucket>/landing/`), as an account that does not allow PUT would.
 */
export async function openFakesnowWithS3Stage(
  database: string,
  bucket: string,
  test: S3StageTest = {},
): Promise<SnowflakeWarehouse> {
  const { client, endpoint } = localS3();
  if (test.createBucket ?? true) {
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: Error) => {
      if (err.name !== 'BucketAlreadyOwnedByYou') throw err;
    });
  }
  const url = `s3://${bucket}/landing/`;
  const stage = {
    name: 'ext.s3_landing',
    url: test.url ?? url,
    region: 'us-east-1',
    endpoint: test.endpoint ?? endpoint,
  };
  return openFakesnow(database, { stage }, [
    'CREATE SCHEMA IF NOT EXISTS ext',
    `CREATE STAGE IF NOT EXISTS ext.s3_landing URL = '${url}'`,
  ]);
}

/** Opens real Snowflake when SNOWFLAKE_ACCOUNT (with SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_DATABASE) is set. */
export function realSnowflakeFromEnv(
  extra: Partial<SnowflakeOptions> = {},
): (() => Promise<SnowflakeWarehouse>) | undefined {
  const account = process.env.SNOWFLAKE_ACCOUNT;
  if (!account) return undefined;
  return () =>
    SnowflakeWarehouse.open({
      ...extra,
      account,
      username: process.env.SNOWFLAKE_USER ?? '',
      password: process.env.SNOWFLAKE_PASSWORD,
      database: process.env.SNOWFLAKE_DATABASE ?? 'EDP_TEST',
      warehouse: process.env.SNOWFLAKE_WAREHOUSE,
      role: process.env.SNOWFLAKE_ROLE,
    });
}

/**
 * With SNOWFLAKE_TEST_STAGE_NAME and SNOWFLAKE_TEST_STAGE_URL (an existing external stage and its
 * s3:// URL; AWS credentials from the environment), real Snowflake loading through that stage.
 */
export function realSnowflakeS3StageFromEnv(): (() => Promise<SnowflakeWarehouse>) | undefined {
  const name = process.env.SNOWFLAKE_TEST_STAGE_NAME;
  const url = process.env.SNOWFLAKE_TEST_STAGE_URL;
  if (!name || !url) return undefined;
  return realSnowflakeFromEnv({ stage: { name, url, region: process.env.AWS_REGION } });
}
