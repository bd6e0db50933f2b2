import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../activities/ingest';
import {
  ensureStreamTables,
  mergeToStaging,
  messageRows,
  warehouseOffsets,
  writeMessageRows,
  writePartitionBatch,
} from '../../activities/streaming';
import type { StreamTopicConfig } from '../../lib/config/schema';
import { copyWithoutLines, scanCsvLines } from '../../activities/formats/csv-lines';
import { UnparsableFile, type BulkLoadRequest, type BulkLoadResult, type Warehouse } from '../../activities/warehouse';
import { classifyError } from '../../activities/errors';
import { compared, describeEngines, only, s3Bucket, withReference, type TestEngine } from '../helpers/engines';
import { openFakesnow, openFakesnowWithS3Stage, s3Keys } from '../helpers/fakesnow';
import { tmpDir } from '../helpers/tmp';

/**
 * Bulk load on every engine of the test list (test/helpers/engines.ts): DuckDB, the local
 * Snowflake-protocol server through its internal stage and through an external stage on the local S3
 * beside it, and real Snowflake when SNOWFLAKE_ACCOUNT etc. are set (through an external stage too with
 * SNOWFLAKE_TEST_STAGE_NAME/_URL). DuckDB's loader on a file of its own, reading the same file with its
 * text path, is the reference: the same rows, row numbers and errors.
 */
const BUCKET = s3Bucket('load');
const dir = tmpDir();
const COLUMNS = {
  member_id: 'string',
  plan_code: 'string',
  amount: 'decimal',
  visits: 'integer',
  service_date: 'date',
  active: 'boolean',
} as const;

const CSV = [
  'member_id,plan_code,amount,visits,service_date,active',
  'M1,"PPO, gold",12.50,3,2026-01-02,true',
  '',
  'M2,"say ""hi""",7,0,2026-01-03,false',
  'M3,HMO,abc,2,2026-02-30,true', // two type errors
  ',HMO,1,1,2026-01-01,true', // required member_id missing
  'M5,HMO,1,1,2026-01-01', // too few fields
  'M6,"unbalanced,1,1,2026-01-01,true', // taken out by the caller's scan
  'M7,"",,,,',
  '   ', // blank, though DuckDB's reader would take it for a row of one field
  'M8,\\N,3.555,4.5,2026-03-01,false', // \N is text; 3.555 (decimal is 18,2) and 4.5 (an integer) are never rounded
  'M9,HMO,1,1,2026-01-01,true,extra', // too many fields
  'M10,HMO,-2.5,-7,2026-12-31,false',
].join('\r\n');

let n = 0;
function request(
  file: string,
  format: BulkLoadRequest['format'],
  extra: Partial<BulkLoadRequest> = {},
): BulkLoadRequest {
  n++;
  return {
    file,
    format,
    delimiter: ',',
    header: format === 'csv',
    quote: '"',
    encoding: 'utf-8',
    columns: COLUMNS,
    required: ['member_id'],
    target: { schema: 'raw', table: `members_${n}` },
    errors: { schema: 'raw', table: `members_${n}__errors` },
    audit: {
      _edp_load_id: { value: n, type: 'integer' },
      _edp_interval_start: { value: '2026-01-01T00:00:00Z', type: 'timestamp' },
    },
    sourceName: `members/${format}-${n}`,
    keepRawText: true,
    ...extra,
  };
}

/** A CSV request as the ingest activity builds it: unbalanced lines taken out by the scan, blank lines named. */
async function csvRequest(): Promise<BulkLoadRequest> {
  const file = join(dir, 'members.csv');
  writeFileSync(file, CSV);
  const scan = await scanCsvLines(file, true, '"', 'utf8');
  const source = join(dir, `members-clean-${n}.csv`);
  await copyWithoutLines(file, new Set([...scan.unbalanced.map((u) => u.line), ...scan.spaced]), source);
  return request(source, 'csv', {
    rejectedLines: scan.unbalanced.map((u) => ({ ...u, reason: 'unbalanced quote' })),
  });
}

/** Loads in a transaction, then reads the target and error tables back as text. */
async function load(
  w: Warehouse,
  req: BulkLoadRequest,
): Promise<{ counts: BulkLoadResult; rows: unknown[]; errors: unknown[] }> {
  await w.execute('CREATE SCHEMA IF NOT EXISTS raw');
  await w.prepareBulkLoad(req);
  const counts = await w.transaction((tx) => tx.bulkLoad(req));
  const text = (c: string) => `CAST(${c} AS VARCHAR) AS ${c}`;
  const rows = await w.query(
    `SELECT ${[...Object.keys(COLUMNS), '_edp_load_id', '_edp_row_number', '_edp_raw'].map(text).join(', ')}
     FROM ${w.dialect.table(req.target)} ORDER BY _edp_row_number`,
  );
  const errors = await w.query(
    `SELECT source_file, ${text('source_row')}, ${text('source_line')}, column_name, rule, raw_value, message, ${text('_edp_load_id')}
     FROM ${w.dialect.table(req.errors)} WHERE rule <> 'parse' ORDER BY source_row, column_name`,
  );
  const parse = await w.query(
    `SELECT ${text('source_line')}, raw_value FROM ${w.dialect.table(req.errors)} WHERE rule = 'parse' ORDER BY source_line`,
  );
  return { counts, rows, errors: [...errors, ...parse] };
}

/** The bulk-load cases on a warehouse `open` gives, against the reference engine. */
function bulkLoadSuite(engine: TestEngine, open: () => Promise<Warehouse>): void {
  const pair = withReference(open, 'load-reference');

  it('loads a CSV with bad lines into the rows, row numbers and errors DuckDB gives', async () => {
    const req = await csvRequest();
    const got = await load(pair.w, req);
    const want = await load(pair.reference, req);
    expect(got.counts).toEqual({ rowsIn: 10, rowsLoaded: 4, rowsQuarantined: 6 });
    expect(got.counts).toEqual(want.counts);
    expect(got.rows).toEqual(want.rows);
    expect(got.rows).not.toContainEqual(expect.objectContaining({ member_id: 'M8' }));
    // Quarantined with a reason per value, by file, row and column, never rounded.
    expect(got.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source_file: req.sourceName,
          source_row: '8',
          column_name: 'amount',
          raw_value: '3.555',
          message: 'more than 2 digits after the decimal point of decimal(18,2): never rounded',
        }),
        expect.objectContaining({
          source_file: req.sourceName,
          source_row: '8',
          column_name: 'visits',
          raw_value: '4.5',
          message: 'not a whole number, as integer needs: never rounded',
        }),
      ]),
    );
    expect(got.rows).toContainEqual(
      expect.objectContaining({ member_id: 'M2', plan_code: 'say "hi"', _edp_row_number: '2' }),
    );
    // Parse errors: the same lines; the reasons are each reader's own words (DuckDB's line text of a CR LF
    // file starts with the previous line's LF).
    const trimmed = (errors: unknown[]) =>
      errors.map((e) => {
        const { raw_value, ...rest } = e as { raw_value: string | null };
        return { ...rest, raw_value: raw_value?.trim() ?? null };
      });
    expect(trimmed(got.errors)).toEqual(trimmed(want.errors));
    expect(got.errors).toContainEqual({ source_line: '8', raw_value: 'M6,"unbalanced,1,1,2026-01-01,true' });
    // The stage rows of the load are gone with its transaction.
    if (engine.expects.stageTables)
      expect(await pair.w.query(`SELECT COUNT(*) AS n FROM edp_stage.raw__${req.target.table}`)).toEqual([{ n: 0 }]);
  });

  it('loads NDJSON and a JSON array, quarantining what is not an object', async () => {
    const ndjson = join(dir, 'members.ndjson');
    writeFileSync(
      ndjson,
      [
        // A byte-order mark first; an integer beyond 2^53 read as text (its digits kept).
        '\uFEFF{"member_id":"M1","plan_code":12345678901234567890,"amount":12.5,"visits":3,"service_date":"2026-01-02","active":true}',
        '',
        '{"member_id":"M2","plan_code":{"tier":"gold"},"amount":"x","visits":null}',
        '[1,2]',
        '{not json',
        '{"plan_code":"HMO","visits":"4"}',
      ].join('\n'),
    );
    const req = request(ndjson, 'ndjson');
    const got = await load(pair.w, req);
    const want = await load(pair.reference, req);
    expect(got.counts).toEqual({ rowsIn: 5, rowsLoaded: 1, rowsQuarantined: 4 });
    expect(got).toEqual(want);
    expect(got.rows).toContainEqual(expect.objectContaining({ member_id: 'M1', plan_code: '12345678901234567890' }));

    const json = join(dir, 'members.json');
    writeFileSync(
      json,
      `\uFEFF[{"member_id": "M1", "amount": 1, "plan_code": 98765432109876543210}, "text", {"member_id": "M3", "visits": 2}]`,
    );
    const jreq = request(json, 'json');
    const jgot = await load(pair.w, jreq);
    expect(jgot.counts).toEqual({ rowsIn: 3, rowsLoaded: 2, rowsQuarantined: 1 });
    expect(jgot).toEqual(await load(pair.reference, jreq));
  });

  it('recreates the shared stage table when the entity gains a column', async () => {
    const file = join(dir, 'widened.csv');
    writeFileSync(file, 'member_id,plan_code\nM1,PPO\n');
    const wide = request(file, 'csv', { columns: { member_id: 'string', plan_code: 'string' }, required: [] });
    const narrow = { ...wide, columns: { member_id: 'string' } as const };
    await pair.w.execute('CREATE SCHEMA IF NOT EXISTS raw');
    await pair.w.prepareBulkLoad(narrow); // the stage table gets one data column
    await pair.w.execute(`DROP TABLE ${pair.w.dialect.table(wide.target)}`); // the target is rebuilt wider, as an operator would
    await pair.w.prepareBulkLoad(wide);
    expect(await pair.w.transaction((tx) => tx.bulkLoad(wide))).toEqual({
      rowsIn: 1,
      rowsLoaded: 1,
      rowsQuarantined: 0,
    });
  });

  // DuckDB's reader takes such a file for no rows at all (it loads nothing, but does not refuse it).
  const onCompared = engine.reference ? it.skip : it;
  onCompared('refuses a JSON file that is not an array as unparsable, loading nothing', async () => {
    const file = join(dir, 'object.json');
    writeFileSync(file, '{"member_id":"M1"}');
    const req = request(file, 'json');
    await pair.w.prepareBulkLoad(req);
    await expect(pair.w.transaction((tx) => tx.bulkLoad(req))).rejects.toBeInstanceOf(UnparsableFile);
  });

  it('rolls back with its transaction: no rows, no errors, no stage rows', async () => {
    const req = await csvRequest();
    await pair.w.prepareBulkLoad(req);
    await expect(
      pair.w.transaction(async (tx) => {
        await tx.bulkLoad(req);
        throw new Error('the manifest insert failed');
      }),
    ).rejects.toThrow('the manifest insert failed');
    const count = async (table: string) =>
      Number((await pair.w.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    expect(await count(pair.w.dialect.table(req.target))).toBe(0);
    expect(await count(pair.w.dialect.table(req.errors))).toBe(0);
    if (engine.expects.stageTables) expect(await count(`edp_stage.raw__${req.target.table}`)).toBe(0);
  });

  it('runs the ingest activity: a landing file loads exactly once, its manifest row with it', async () => {
    const landing = join(dir, 'landing');
    mkdirSync(join(landing, 'claims'), { recursive: true });
    writeFileSync(
      join(landing, 'claims', 'claims_20260101T0400.csv'),
      'claim_id,amount\r\nC1,1.00\r\nC2,oops\r\n"C3,2\r\n  \r\nC4,4.25\r\n',
    );
    const acts = createIngestActivities({
      warehouse: pair.w,
      landingDir: landing,
      entities: [
        {
          name: 'claims',
          pattern: 'claims_{interval}.csv',
          format: 'csv',
          delimiter: ',',
          header: true,
          quote: '"',
          encoding: 'utf-8',
          columns: { claim_id: 'string', amount: 'decimal' },
          required: ['claim_id'],
          keepRawText: false,
        },
      ],
    });
    const env = new MockActivityEnvironment();
    const input: LoadFileInput = {
      entity: 'claims',
      file: 'claims/claims_20260101T0400.csv',
      interval: { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' },
      runId: 'r1',
    };
    const first = await env.run<[LoadFileInput], FileLoadResult, typeof acts.loadLandingFile>(
      acts.loadLandingFile,
      input,
    );
    expect(first).toMatchObject({ rowsIn: 4, rowsLoaded: 2, rowsQuarantined: 2, alreadyLoaded: false });
    const again = await env.run(acts.loadLandingFile, { ...input, runId: 'r2' });
    expect(again).toMatchObject({ rowsIn: 4, rowsLoaded: 2, alreadyLoaded: true });
    expect(
      await pair.w.query(
        'SELECT claim_id, CAST(amount AS VARCHAR) AS amount, CAST(_edp_row_number AS INTEGER) AS _edp_row_number FROM raw.claims ORDER BY 1',
      ),
    ).toEqual([
      { claim_id: 'C1', amount: '1.00', _edp_row_number: 1 },
      { claim_id: 'C4', amount: '4.25', _edp_row_number: 4 },
    ]);
    expect(
      await pair.w.query(
        `SELECT CAST(rows_in AS INTEGER) AS rows_in, CAST(rows_loaded AS INTEGER) AS rows_loaded,
           CAST(rows_quarantined AS INTEGER) AS rows_quarantined, status FROM audit.ingest_manifest WHERE entity = 'claims'`,
      ),
    ).toEqual([{ rows_in: 4, rows_loaded: 2, rows_quarantined: 2, status: 'loaded' }]);
  });

  it('writes stream micro-batches exactly once: rows, dead letters and the offset in one transaction', async () => {
    const topic: StreamTopicConfig = {
      topic: 'claims',
      table: 'claim_events',
      format: 'json',
      columns: { claim_id: 'string', amount: 'decimal', event_time: 'timestamp' },
      key: ['claim_id'],
      eventTime: 'event_time',
    };
    const message = (offset: number, value: string): KafkaMessage => ({
      offset: String(offset),
      key: Buffer.from(`C${offset}`),
      value: Buffer.from(value),
      timestamp: String(Date.parse('2026-11-22T10:00:00Z') + offset),
      headers: { source: Buffer.from('test') },
      attributes: 0,
    });
    const event = (o: number) => JSON.stringify({ claim_id: `C${o}`, amount: o, event_time: '2026-11-22T10:00:00Z' });
    const batch = [message(0, event(0)), message(1, 'not json'), message(2, event(2))];
    await ensureStreamTables(pair.w, topic);
    expect(await writePartitionBatch(pair.w, topic, 0, batch)).toEqual({
      inserted: 2,
      deadLetters: 1,
      ignored: 0,
      skipped: 0,
      next: 3,
    });
    // Redelivered with one new message (a consumer restarted before Kafka's commit): only the new one lands.
    expect(await writePartitionBatch(pair.w, topic, 0, [...batch, message(3, event(3))])).toEqual({
      inserted: 1,
      deadLetters: 0,
      ignored: 0,
      skipped: 3,
      next: 4,
    });
    expect(
      await pair.w.query(
        `SELECT CAST(kafka_offset AS INTEGER) AS kafka_offset, kafka_key, CAST(kafka_timestamp AS VARCHAR) AS ts FROM raw.claim_events ORDER BY kafka_offset`,
      ),
    ).toEqual([
      { kafka_offset: 0, kafka_key: 'C0', ts: expect.stringMatching(/^2026-11-22[ T]10:00:00(\.000)?/) },
      { kafka_offset: 2, kafka_key: 'C2', ts: expect.any(String) },
      { kafka_offset: 3, kafka_key: 'C3', ts: expect.any(String) },
    ]);
    expect(
      await pair.w.query(
        'SELECT CAST(kafka_offset AS INTEGER) AS kafka_offset, reason FROM raw.claim_events__dead_letters',
      ),
    ).toEqual([{ kafka_offset: 1, reason: expect.any(String) }]);
    expect(await warehouseOffsets(pair.w, 'claims')).toEqual(new Map([[0, 4]]));
    // The latency percentile the stream monitor computes, in the forms it uses.
    const d = pair.w.dialect;
    const [latency] = await pair.w.query<{ p50: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ${d.epochMs('_edp_ingested_at')} - ${d.epochMs('_edp_event_time')}) AS p50
       FROM raw.claim_events WHERE _edp_ingested_at > ${d.now()} - INTERVAL '3600 SECONDS'`,
    );
    expect(typeof latency.p50).toBe('number');
    // Merged into staging: the latest event per key, as on DuckDB.
    await writePartitionBatch(pair.w, topic, 0, [
      message(4, JSON.stringify({ claim_id: 'C2', amount: 99, event_time: '2026-11-22T11:00:00Z' })),
      message(5, JSON.stringify({ claim_id: 'C3', amount: 1, event_time: '2026-11-22T09:00:00Z' })), // older than C3's
    ]);
    expect(await mergeToStaging(pair.w, topic)).toBe(5);
    expect(await mergeToStaging(pair.w, topic)).toBe(0);
    expect(
      await pair.w.query(
        'SELECT claim_id, CAST(amount AS VARCHAR) AS amount, CAST(_edp_kafka_offset AS INTEGER) AS o FROM staging.claim_events ORDER BY 1',
      ),
    ).toEqual([
      { claim_id: 'C0', amount: '0.00', o: 0 },
      { claim_id: 'C2', amount: '99.00', o: 4 },
      { claim_id: 'C3', amount: '3.00', o: 3 },
    ]);
    // Rows of a batch whose offsets are below the floor but missing (written by hand elsewhere) still land once.
    await pair.w.transaction((tx) =>
      writeMessageRows(tx, topic, messageRows(topic, 0, [message(2, event(2))], 0).rows, []),
    );
    expect(await pair.w.query('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM raw.claim_events')).toEqual([{ n: 5 }]);
  });
}

describeEngines('bulk load on %s', (engine) => bulkLoadSuite(engine, () => engine.open('load')));

describeEngines(
  'bulk load on %s, external S3 stage',
  (engine) => bulkLoadSuite(engine, () => engine.openWithExternalStage!('load')),
  (e) => compared(e) && !!e.openWithExternalStage,
);

describeEngines(
  'bulk load through an external S3 stage on %s (the local server and the local S3)',
  () => {
    it('leaves no file in the bucket: after a load, a rolled-back one, and one failing after the upload', async () => {
      const w = await openFakesnowWithS3Stage(`edp_load_s3_clean_${process.pid}`, BUCKET);
      try {
        const req = await csvRequest();
        expect((await load(w, req)).counts).toEqual({ rowsIn: 10, rowsLoaded: 4, rowsQuarantined: 6 });
        await expect(
          w.transaction(async (tx) => {
            await tx.bulkLoad(req);
            throw new Error('the manifest insert failed');
          }),
        ).rejects.toThrow('the manifest insert failed');
        expect(await s3Keys(BUCKET, 'landing/')).toEqual([]);
        // The COPY fails once the file is in the bucket (its stage table is gone): the file goes all the same.
        await w.execute(`DROP TABLE edp_stage.raw__${req.target.table}`);
        await expect(w.transaction((tx) => tx.bulkLoad(req))).rejects.toThrow(/RAW__MEMBERS|does not exist/i);
        expect(await s3Keys(BUCKET, 'landing/')).toEqual([]);
      } finally {
        await w.close();
      }
    });

    it('writes the file to the bucket: with S3 unreachable the load fails and loads nothing', async () => {
      const w = await openFakesnowWithS3Stage(`edp_load_s3_down_${process.pid}`, BUCKET, {
        endpoint: 'http://127.0.0.1:1',
      });
      try {
        const req = await csvRequest();
        await w.execute('CREATE SCHEMA IF NOT EXISTS raw');
        await w.prepareBulkLoad(req);
        await expect(w.transaction((tx) => tx.bulkLoad(req))).rejects.toThrow(/ECONNREFUSED|connect/);
        expect(await w.query(`SELECT COUNT(*) AS n FROM ${w.dialect.table(req.target)}`)).toEqual([{ n: 0 }]);
      } finally {
        await w.close();
      }
    });

    it('fails a load whose bucket is missing without retries', async () => {
      const w = await openFakesnowWithS3Stage(`edp_load_s3_nobucket_${process.pid}`, `${BUCKET}-missing`, {
        createBucket: false,
      });
      try {
        const req = await csvRequest();
        await w.execute('CREATE SCHEMA IF NOT EXISTS raw');
        await w.prepareBulkLoad(req);
        const err = await w.transaction((tx) => tx.bulkLoad(req)).catch((e: unknown) => e);
        expect(classifyError(err, 'load')).toMatchObject({ nonRetryable: true, type: 'EdpBadInput' });
        expect(String(err)).toMatch(/bucket/i);
      } finally {
        await w.close();
      }
    });

    it('refuses a stage that does not exist, or points at another place, naming the config key', async () => {
      const file = join(dir, 'one.csv');
      writeFileSync(file, 'member_id\nM1\n');
      const req = request(file, 'csv', { columns: { member_id: 'string' }, required: [] });
      const missing = await openFakesnow(`edp_load_s3_missing_${process.pid}`, {
        stage: { name: 'ext.nowhere', url: `s3://${BUCKET}/landing/`, endpoint: 'http://127.0.0.1:1' },
      });
      try {
        await expect(missing.prepareBulkLoad(req)).rejects.toThrow(
          /warehouse\.snowflake\.stage\.name: stage ext\.nowhere does not exist/,
        );
      } finally {
        await missing.close();
      }
      const wrong = await openFakesnowWithS3Stage(`edp_load_s3_elsewhere_${process.pid}`, BUCKET, {
        url: `s3://${BUCKET}/other/`,
      });
      try {
        await expect(wrong.prepareBulkLoad(req)).rejects.toThrow(
          `warehouse.snowflake.stage.url: stage ext.s3_landing points at s3://${BUCKET}/landing/, not s3://${BUCKET}/other/`,
        );
      } finally {
        await wrong.close();
      }
    });
  },
  only('snowflake'),
);
