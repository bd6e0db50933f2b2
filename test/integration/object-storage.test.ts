import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { writeSampleSources } from '../../cli/sample-files';
import { classifiedActivities } from '../../activities/errors';
import { createExportActivities, exportMart, type ExportMartInput } from '../../activities/export';
import { createIngestActivities } from '../../activities/ingest';
import { KeyedLock } from '../../activities/keyed-lock';
import { openObjectStore, type ObjectStore } from '../../activities/storage';
import { DuckDbWarehouse, type Warehouse } from '../../activities/warehouse';
import type { S3Config } from '../../lib/config/schema';
import type { DataInterval } from '../../lib/intervals';
import { readWithDeltaRs } from '../helpers/delta';
import { testEntity } from '../helpers/entities';
import { startMotoS3, uploadFolder, type MotoS3 } from '../helpers/moto-server';
import { landSample, runInterval, testClient, testConfig, warehouseFingerprint } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

/**
 * Landing files and the Delta export on S3-compatible object storage: a separate moto server (pinned in
 * infra/versions.ts) that checks credentials, started by this suite on 127.0.0.1. moto honours S3's
 * conditional write (`If-None-Match: *` answered 412 when the key exists), which the Delta commit relies on.
 */
jest.setTimeout(600_000);

const KEY_ENV = 'MOTO_TEST_ACCESS_KEY_ID';
const SECRET_ENV = 'MOTO_TEST_SECRET_ACCESS_KEY';
const BUCKET = 'edp-shared';
/** A bucket nobody created. */
const MISSING = 'edp-no-such-bucket';
const interval: DataInterval = { start: '2026-05-03T08:00:00.000Z', end: '2026-05-03T12:00:00.000Z' };

let moto: MotoS3;
/** The `s3` section reaching the moto server with the key it accepts. */
let s3: S3Config;
/** delta-rs' storage options for the same server. */
let deltaOptions: Record<string, string>;

beforeAll(async () => {
  moto = await startMotoS3();
  process.env[KEY_ENV] = moto.accessKeyId;
  process.env[SECRET_ENV] = moto.secretAccessKey;
  s3 = { endpoint: moto.endpoint, region: 'us-east-1', accessKeyIdEnv: KEY_ENV, secretAccessKeyEnv: SECRET_ENV };
  deltaOptions = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: moto.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
  };
  await moto.createBucket(BUCKET);
});
afterAll(async () => {
  await moto?.stop();
});

/** Keys under `prefix` in a bucket of the moto server, in name order. */
async function keys(prefix: string, bucket = BUCKET): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await moto.client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    out.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

/** A DuckDB warehouse with `marts.member_summary` (3 rows). */
async function martWarehouse(): Promise<Warehouse> {
  const w = await DuckDbWarehouse.open({ path: join(tmpDir('edp-s3-mart-'), 'w.duckdb') });
  await w.execute('CREATE SCHEMA marts');
  await w.execute(
    `CREATE TABLE marts.member_summary AS SELECT * FROM (VALUES ('M1', 12, 1234.50::DECIMAL(18,2)), ('M2', NULL, NULL), ('M3', 7, 0.05::DECIMAL(18,2))) t(member_id, claims, paid_amount)`,
  );
  return w;
}

const exportInput = (over: Partial<ExportMartInput> = {}): ExportMartInput => ({
  mart: 'member_summary',
  mode: 'overwrite',
  interval,
  runId: 'edp-s3-export-test',
  txnVersion: 1000,
  ...over,
});

/**
 * The store with its commits held until `writers` exporters have each reached one: both then race for the
 * same version for sure, instead of one usually finishing before the other starts.
 */
function racingCommits(store: ObjectStore, writers: number): { store: ObjectStore; outcomes: boolean[] } {
  const outcomes: boolean[] = [];
  let arrived = 0;
  let release!: () => void;
  const allThere = new Promise<void>((r) => (release = r));
  return {
    outcomes,
    store: {
      ...store,
      async putIfAbsent(key, body) {
        if (++arrived === writers) release();
        await allThere;
        const won = await store.putIfAbsent(key, body);
        outcomes.push(won);
        return won;
      },
    },
  };
}

/** Two exporters, as on two workers (own warehouse, own lock), of one S3 export location whose commits race. */
async function racingExporters(prefix: string) {
  const race = racingCommits(openObjectStore(`s3://${BUCKET}/${prefix}`, 'export.path', s3), 2);
  const warehouses = [await martWarehouse(), await martWarehouse()];
  const [a, b] = warehouses.map((w) => ({
    warehouse: w,
    exportDir: race.store.root,
    store: race.store,
    lock: new KeyedLock(),
  }));
  return { a, b, outcomes: race.outcomes, close: () => Promise.all(warehouses.map((w) => w.close())) };
}

describe('Delta commits on S3 (moto) are put-if-absent', () => {
  it('If-None-Match: * lets exactly one of two writers of a key win', async () => {
    const store = openObjectStore(`s3://${BUCKET}/ifnonematch`, 'export.path', s3);
    const won = await Promise.all([store.putIfAbsent('k.json', 'a\n'), store.putIfAbsent('k.json', 'b\n')]);
    expect(won.sort()).toEqual([false, true]);
    expect(await store.putIfAbsent('k.json', 'c\n')).toBe(false);
  });

  it('two exporters of the same version: one commits, the other finds that commit and leaves no file behind', async () => {
    const race = await racingExporters('race-same');
    try {
      const results = await Promise.all([exportMart(race.a, exportInput()), exportMart(race.b, exportInput())]);
      expect(race.outcomes.sort()).toEqual([false, true]); // both tried version 0; one lost
      expect(results.map((r) => r.alreadyCommitted).sort()).toEqual([false, true]);
      expect(results.map((r) => r.deltaVersion)).toEqual([0, 0]);
      const stored = await keys('race-same/');
      expect(stored.filter((k) => k.includes('_delta_log/'))).toEqual([
        'race-same/member_summary/_delta_log/00000000000000000000.json',
      ]);
      expect(stored.filter((k) => k.endsWith('.parquet'))).toHaveLength(1); // the loser's file was dropped
      const read = await readWithDeltaRs(`s3://${BUCKET}/race-same/member_summary`, deltaOptions);
      expect(read.version).toBe(0);
      expect(read.rows.map((r) => r.member_id).sort()).toEqual(['M1', 'M2', 'M3']);
    } finally {
      await race.close();
    }
  });

  it('two exporters of different intervals: the loser commits on the next version, no version lost or orphaned', async () => {
    const race = await racingExporters('race-next');
    try {
      const later = { start: '2026-05-03T12:00:00.000Z', end: '2026-05-03T16:00:00.000Z' };
      const results = await Promise.all([
        exportMart(race.a, exportInput({ mode: 'partition' })),
        exportMart(race.b, exportInput({ mode: 'partition', interval: later })),
      ]);
      expect(race.outcomes).toEqual([true, false, true]); // version 0 once, the loser then took version 1
      expect(results.map((r) => r.deltaVersion).sort()).toEqual([0, 1]);
      expect(results.every((r) => !r.alreadyCommitted)).toBe(true);
      const stored = await keys('race-next/');
      expect(stored.filter((k) => k.includes('_delta_log/'))).toEqual([
        'race-next/member_summary/_delta_log/00000000000000000000.json',
        'race-next/member_summary/_delta_log/00000000000000000001.json',
      ]);
      expect(stored.filter((k) => k.endsWith('.parquet'))).toHaveLength(2);
      const read = await readWithDeltaRs(`s3://${BUCKET}/race-next/member_summary`, deltaOptions);
      expect(read.version).toBe(1);
      expect(read.partitions).toEqual(['edp_interval']);
      expect(read.rows).toHaveLength(6); // both intervals' partitions
    } finally {
      await race.close();
    }
  });
});

describe('bad object-storage settings fail at once, naming the key, with nothing written', () => {
  const claims = testEntity({ name: 'claims', pattern: 'claims_{interval}.csv', columns: { claim_id: 'string' } });
  const file = 'claims/claims_20260503T0800.csv';
  let w: Warehouse;
  beforeAll(async () => {
    w = await martWarehouse();
    await moto.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `bad/landing/${file}`, Body: 'claim_id\nC1\nC2\n' }),
    );
    await moto.createBucket('edp-eu-bucket', 'eu-west-1');
  });
  afterAll(() => w.close());

  /** Ingest and export against `landing`/`export` locations with the `s3` section `settings`. */
  const activities = (settings: S3Config, bucket = BUCKET) =>
    classifiedActivities({
      ...createIngestActivities({
        warehouse: w,
        landingDir: `s3://${bucket}/bad/landing`,
        entities: [claims],
        s3: settings,
      }),
      ...createExportActivities({ warehouse: w, exportDir: `s3://${bucket}/bad/export`, s3: settings }),
    });

  /**
   * Landing check, file load and export each fail non-retryably, as a ConfigError whose message starts
   * with the key to fix (`landingKey` for both ingest activities, `exportKey` for the export), within
   * seconds; nothing written.
   */
  async function refusedEverywhere(
    settings: S3Config,
    landingKey: string,
    exportKey = landingKey,
    bucket = BUCKET,
  ): Promise<void> {
    const acts = activities(settings, bucket);
    const started = Date.now();
    const naming = (key: string) => ({
      nonRetryable: true,
      type: 'EdpBadInput',
      message: expect.stringContaining(key),
    });
    await expect(acts.checkLandingFiles({ interval })).rejects.toMatchObject(naming(landingKey));
    await expect(acts.loadLandingFile({ entity: 'claims', file, interval, runId: 'r' })).rejects.toMatchObject(
      naming(landingKey),
    );
    await expect(acts.exportMart(exportInput())).rejects.toMatchObject(naming(exportKey));
    expect(Date.now() - started).toBeLessThan(10_000);
    // No partial raw load: the load stopped before the warehouse. No Delta version, no data file.
    expect(await w.describeTable({ schema: 'raw', table: 'claims' })).toBeUndefined();
    expect(await w.describeTable({ schema: 'audit', table: 'ingest_manifest' })).toBeUndefined();
    if (bucket !== MISSING) expect(await keys('bad/export/', bucket)).toEqual([]);
  }

  it('a bucket that does not exist names landing.path and export.path', async () => {
    await refusedEverywhere(
      s3,
      `landing.path: bucket ${MISSING} does not exist`,
      `export.path: bucket ${MISSING} does not exist`,
      MISSING,
    );
  });

  it('an access key id the store does not know names s3.accessKeyIdEnv', async () => {
    process.env.MOTO_TEST_UNKNOWN_KEY = 'AKIAUNKNOWNUNKNOWN00';
    await refusedEverywhere({ ...s3, accessKeyIdEnv: 'MOTO_TEST_UNKNOWN_KEY' }, 's3.accessKeyIdEnv: ');
  });

  it('a wrong secret names s3.secretAccessKeyEnv', async () => {
    process.env.MOTO_TEST_WRONG_SECRET = 'not-the-secret';
    await refusedEverywhere({ ...s3, secretAccessKeyEnv: 'MOTO_TEST_WRONG_SECRET' }, 's3.secretAccessKeyEnv: ');
  });

  it('a bucket in another region than s3.region names s3.region', async () => {
    await refusedEverywhere(s3, 's3.region: bucket edp-eu-bucket', undefined, 'edp-eu-bucket');
    await expect(activities(s3, 'edp-eu-bucket').exportMart(exportInput())).rejects.toMatchObject({
      message: expect.stringMatching(/s3\.region: .*is in eu-west-1, not us-east-1/),
    });
    expect(await keys('', 'edp-eu-bucket')).toEqual([]);
  });

  it('an unset credentials variable names it', async () => {
    await expect(
      activities({ ...s3, accessKeyIdEnv: 'MOTO_TEST_NOT_SET' }).checkLandingFiles({ interval }),
    ).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringContaining('s3.accessKeyIdEnv: environment variable MOTO_TEST_NOT_SET is not set'),
    });
  });
});

describe('a pipeline interval with landing and export on S3', () => {
  it('produces the same raw, staging, marts and audit tables and the same Delta tables as the local-path run', async () => {
    const local = testConfig('s3-local', { pipeline: pipelineOf('s3_local') });
    const remote = testConfig('s3-remote', {
      pipeline: pipelineOf('s3_remote'),
      landing: { path: `s3://${BUCKET}/pipeline/landing`, entities: local.config.landing.entities },
      export: { path: `s3://${BUCKET}/pipeline/export`, marts: local.config.export.marts },
      s3,
    });
    await landSample(local, interval);
    await writeSampleSources(remote.config, interval, 1);
    // The very files the local run loads, delivered to the bucket instead of a folder.
    const delivered = await uploadFolder(moto.client, BUCKET, local.config.landing.path, 'pipeline/landing');
    expect(delivered).toBeGreaterThanOrEqual(6);

    for (const run of [local, remote]) {
      const { client, close } = await testClient(run.config); // each config has its own payload key set
      try {
        expect(await runInterval(client, run.config, interval)).toBe('succeeded');
      } finally {
        await close();
      }
    }

    const [fromFolder, fromBucket] = [
      await warehouseFingerprint(local.config.warehouse.duckdb.path),
      // Run ids carry the pipeline name, the one thing the two runs differ in by design.
      await warehouseFingerprint(remote.config.warehouse.duckdb.path, { s3_remote: 's3_local' }),
    ];
    expect(Object.keys(fromFolder).filter((t) => t.startsWith('raw.')).length).toBeGreaterThanOrEqual(6);
    expect(fromBucket).toEqual(fromFolder);

    const marts = local.config.export.marts.map((m) => m.name);
    expect(marts.length).toBeGreaterThan(0);
    for (const mart of marts) {
      const [a, b] = [
        await readWithDeltaRs(join(local.config.export.path, mart)),
        await readWithDeltaRs(`s3://${BUCKET}/pipeline/export/${mart}`, deltaOptions),
      ];
      expect(b.rows.length).toBeGreaterThan(0);
      expect({ ...b, rows: b.rows.map(stable) }).toEqual({ ...a, rows: a.rows.map(stable) });
    }
    // Nothing but the table folders: no scratch or staging objects left in the bucket.
    expect(new Set((await keys('pipeline/export/')).map((k) => k.split('/')[2]))).toEqual(new Set(marts));
  });
});

/** Each run under its own pipeline name: both run the same interval in the same namespace. */
function pipelineOf(name: string) {
  return { name, heartbeatSeconds: 5, sensor: { pokeMinutes: 1, timeoutMinutes: 1 } };
}

/** Float sums depend on the order rows are added in; 12 significant digits are what two equal runs agree on. */
function stable(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v,
    ]),
  );
}
