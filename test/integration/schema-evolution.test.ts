import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { createExtractActivities, createIngestActivities, type LoadFileInput } from '../../activities/ingest';
import { ensureStreamTables, mergeToStaging, messageRows, writeMessageRows } from '../../activities/streaming';
import { readSchemaChanges } from '../../activities/audit';
import type { Warehouse } from '../../activities/warehouse';
import { ensureDatabase } from '../../infra/postgres';
import type { EntityConfig, SqlSourceConfig, StreamTopicConfig } from '../../lib/config/schema';
import { describeEngines } from '../helpers/engines';
import { testServices } from '../setup/test-services';
import { tmpDir } from '../helpers/tmp';

/**
 * Schema evolution of the tables the platform loads, on every engine: a column the config gains is
 * added (earlier rows NULL), a wider type is applied with the values kept, and a narrowing is refused,
 * non-retryable, naming the table, the column and both types. For landing files, a SQL-source extract
 * and a stream's staging table; every applied change is in `audit.schema_changes`.
 */
describeEngines('schema evolution on %s', (engine) => {
  let w: Warehouse;
  beforeAll(async () => {
    w = await engine.open('evolve');
  });
  afterAll(() => w?.close());

  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const typeOf = async (table: string, column: string): Promise<string | undefined> => {
    const [schema, name] = table.split('.');
    return (await w.describeTable({ schema, table: name }))?.find((c) => c.name === column)?.type;
  };
  const changes = async (table: string) =>
    (
      await w.query<{ column_name: string; change: string; origin: string }>(
        `SELECT column_name, change, origin FROM audit.schema_changes WHERE table_name = ? ORDER BY changed_at, column_name`,
        [table],
      )
    ).map((r) => `${r.column_name.toLowerCase()} ${r.change}`);

  it('landing files: a column added between two intervals, wider types, a file of the old shape, a narrowing refused', async () => {
    const landing = join(tmpDir(), 'landing');
    mkdirSync(join(landing, 'visits'), { recursive: true });
    const land = (name: string, text: string): void => writeFileSync(join(landing, 'visits', name), text);
    const entity = (columns: EntityConfig['columns'], optionalColumns?: string[]): EntityConfig => ({
      name: 'visits',
      pattern: 'visits_{interval}*.csv',
      format: 'csv',
      delimiter: ',',
      header: true,
      quote: '"',
      encoding: 'utf-8',
      columns,
      required: ['visit_id'],
      keepRawText: false,
      ...(optionalColumns ? { optionalColumns } : {}),
    });
    const env = new MockActivityEnvironment();
    const load = (e: EntityConfig, file: string, start: string) => {
      const acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [e] });
      const end = new Date(new Date(start).getTime() + 4 * 3600_000).toISOString();
      const input: LoadFileInput = { entity: 'visits', file: `visits/${file}`, interval: { start, end }, runId: file };
      return env.run(acts.loadLandingFile, input);
    };

    // Interval 1: the first shape.
    const v1 = entity({ visit_id: 'string', units: 'integer', charge: 'decimal(8,2)' });
    land('visits_20260101T0000.csv', 'visit_id,units,charge\nV1,3,10.50\nV2,x,2.00\nV3,12345,999999.99\n');
    expect(await load(v1, 'visits_20260101T0000.csv', '2026-01-01T00:00:00.000Z')).toMatchObject({
      rowsIn: 3,
      rowsLoaded: 2,
      rowsQuarantined: 1,
    });

    // An integer declared a decimal too small for the values already stored: refused, nothing changed.
    land('visits_20260101T0400.csv', 'visit_id,clinic,units,charge\nV4,North,1.25,12345678.90\nV5,South,2,oops\n');
    const tooSmall = entity({ visit_id: 'string', units: 'decimal(4,2)', charge: 'decimal(8,2)', clinic: 'string' });
    await expect(load(tooSmall, 'visits_20260101T0400.csv', '2026-01-01T04:00:00.000Z')).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringMatching(
        /raw\.visits\.units is (BIGINT|NUMBER\(38,0\)) in the warehouse and cannot become decimal\(4,2\).*1 stored value has more than 2 digits before the point/,
      ),
    });
    expect(await typeOf('raw.visits', 'clinic')).toBeUndefined();
    expect(await changes('raw.visits')).toEqual([]);

    // Interval 2: the config gains `clinic` (files from before it lack it) and widens `units` and `charge`.
    const v2 = entity({ visit_id: 'string', units: 'decimal(12,2)', charge: 'decimal(14,2)', clinic: 'string' }, [
      'clinic',
    ]);
    expect(await load(v2, 'visits_20260101T0400.csv', '2026-01-01T04:00:00.000Z')).toMatchObject({
      rowsIn: 2,
      rowsLoaded: 1,
      rowsQuarantined: 1,
    });
    // A late file of the old shape: `clinic` is optional, so it loads with clinic NULL.
    land('visits_20260101T0400_late.csv', 'visit_id,units,charge\nV6,7,1.00\n');
    expect(await load(v2, 'visits_20260101T0400_late.csv', '2026-01-01T04:00:00.000Z')).toMatchObject({
      rowsIn: 1,
      rowsLoaded: 1,
      rowsQuarantined: 0,
    });

    const rows = await w.query<Record<string, unknown>>(
      'SELECT visit_id, units, charge, clinic FROM raw.visits ORDER BY visit_id',
    );
    expect(rows.map((r) => [r.visit_id, num(r.units), num(r.charge), r.clinic])).toEqual([
      ['V1', 3, 10.5, null],
      ['V3', 12345, 999999.99, null],
      ['V4', 1.25, 12345678.9, 'North'],
      ['V6', 7, 1, null],
    ]);
    expect(await typeOf('raw.visits', 'units')).toMatch(/^(DECIMAL|NUMBER)\(12,\s?2\)$/);
    expect(await typeOf('raw.visits', 'charge')).toMatch(/^(DECIMAL|NUMBER)\(14,\s?2\)$/);
    // rows in = loaded + quarantined for each file, of either shape.
    const manifest = await w.query<Record<string, unknown>>(
      'SELECT file, rows_in, rows_loaded, rows_quarantined FROM audit.ingest_manifest WHERE entity = ? ORDER BY file',
      ['visits'],
    );
    expect(manifest).toHaveLength(3);
    expect(manifest.map((m) => num(m.rows_in))).toEqual([3, 2, 1]);
    for (const m of manifest) expect(num(m.rows_in)).toBe(num(m.rows_loaded)! + num(m.rows_quarantined)!);
    expect(await changes('raw.visits')).toEqual(
      expect.arrayContaining(['clinic added', 'units widened', 'charge widened']),
    );
    expect(await changes('raw.visits')).toHaveLength(3);
    // What `edp schema-changes` shows.
    expect(await readSchemaChanges(w, 'raw.visits')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          column: 'clinic',
          change: 'added',
          fromType: null,
          toType: 'VARCHAR',
          origin: 'landing.entities.visits.columns',
          changedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        }),
        expect.objectContaining({
          column: 'units',
          change: 'widened',
          fromType: expect.stringMatching(/^(BIGINT|NUMBER\(38,0\))$/),
          toType: expect.stringMatching(/^(DECIMAL|NUMBER)\(12,2\)$/),
        }),
      ]),
    );

    // Without `optionalColumns`, a file lacking a declared column is still quarantined whole, with its reason.
    land('visits_20260101T0400_strict.csv', 'visit_id,units,charge\nV7,1,1.00\n');
    const strict = entity({ ...v2.columns });
    expect(await load(strict, 'visits_20260101T0400_strict.csv', '2026-01-01T04:00:00.000Z')).toMatchObject({
      rowsIn: 0,
      quarantinedFile: expect.stringMatching(/missing clinic/),
    });

    // Interval 3: `charge` declared an integer: refused, never cast, and not retried.
    land('visits_20260101T0800.csv', 'visit_id,units,charge,clinic\nV8,1,1,North\n');
    const narrowed = entity({ ...v2.columns, charge: 'integer' }, ['clinic']);
    await expect(load(narrowed, 'visits_20260101T0800.csv', '2026-01-01T08:00:00.000Z')).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringMatching(
        /landing\.entities\.visits\.columns\.charge: raw\.visits\.charge is (DECIMAL|NUMBER)\(14,\s?2\) in the warehouse and cannot become integer .*rounded to 0 digits after the point/,
      ),
    });
    expect(await typeOf('raw.visits', 'charge')).toMatch(/^(DECIMAL|NUMBER)\(14,\s?2\)$/);
    expect(await changes('raw.visits')).toHaveLength(3);
  });

  it('a stream staging table: a column added and a type widened between micro-batches, a narrowing refused', async () => {
    const topic = (columns: StreamTopicConfig['columns']): StreamTopicConfig => ({
      topic: 'evolve',
      table: 'evolve_events',
      format: 'json',
      columns,
      key: ['event_id'],
    });
    const message = (offset: number, value: object): KafkaMessage => ({
      offset: String(offset),
      key: Buffer.from(`E${offset}`),
      value: Buffer.from(JSON.stringify(value)),
      timestamp: String(Date.UTC(2026, 0, 1) + offset),
      attributes: 0,
      headers: {},
    });
    const write = async (t: StreamTopicConfig, messages: KafkaMessage[]) => {
      await ensureStreamTables(w, t);
      const { rows, dead } = messageRows(t, 0, messages, Date.now());
      await w.transaction((tx) => writeMessageRows(tx, t, rows, dead));
      await mergeToStaging(w, t);
    };

    const first = topic({ event_id: 'string', qty: 'integer' });
    await write(first, [message(0, { event_id: 'E0', qty: 5 })]);
    const second = topic({ event_id: 'string', qty: 'decimal', site: 'string' });
    await write(second, [message(1, { event_id: 'E1', qty: 2.5, site: 'A' })]);
    const rows = await w.query<Record<string, unknown>>(
      'SELECT event_id, qty, site FROM staging.evolve_events ORDER BY 1',
    );
    expect(rows.map((r) => [r.event_id, num(r.qty), r.site])).toEqual([
      ['E0', 5, null],
      ['E1', 2.5, 'A'],
    ]);
    expect(await changes('staging.evolve_events')).toEqual(expect.arrayContaining(['site added', 'qty widened']));

    await expect(ensureStreamTables(w, topic({ event_id: 'string', qty: 'integer', site: 'string' }))).rejects.toThrow(
      /streaming\.topics\.evolve_events\.columns\.qty: staging\.evolve_events\.qty is (DECIMAL|NUMBER)\(18,\s?2\) in the warehouse and cannot become integer/,
    );
  });

  it('a SQL-source extract: a column the source table gained is added, a wider type applied, a narrowing refused', async () => {
    const database = `edp_evolve_${engine.name.replace(/\W/g, '_')}_${process.pid}`;
    const port = testServices().postgresPort;
    await ensureDatabase({ host: '127.0.0.1', port, user: 'edp' }, database);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'edp', database });
    await client.connect();
    try {
      await client.query('DROP TABLE IF EXISTS orders');
      await client.query('CREATE TABLE orders (order_id TEXT, qty INTEGER, updated_at TIMESTAMPTZ)');
      await client.query(`INSERT INTO orders VALUES ('O1', 4, '2026-01-01T00:10:00Z')`);
      const source = (columns: SqlSourceConfig['tables'][number]['columns']): SqlSourceConfig => ({
        name: 'shop',
        kind: 'postgres',
        host: '127.0.0.1',
        port,
        database,
        user: 'edp',
        sslmode: 'disable',
        tables: [
          { name: 'orders', schema: 'public', mode: 'incremental', watermark: 'updated_at', columns, required: [] },
        ],
      });
      const extract = (s: SqlSourceConfig, runId: string) =>
        createExtractActivities({ warehouse: w, sources: [s], extractDir: join(tmpDir(), 'extracts') }).extractSqlTable(
          {
            source: 'shop',
            table: 'orders',
            interval: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T04:00:00.000Z' },
            runId,
          },
        );
      expect(
        await extract(source({ order_id: 'string', qty: 'integer', updated_at: 'timestamp' }), 'r1'),
      ).toMatchObject({ rowsIn: 1, rowsLoaded: 1 });

      await client.query('ALTER TABLE orders ADD COLUMN channel TEXT, ALTER COLUMN qty TYPE NUMERIC(10,2)');
      await client.query(`INSERT INTO orders VALUES ('O2', 1.5, '2026-01-01T00:20:00Z', 'web')`);
      const wider = { order_id: 'string', qty: 'decimal', updated_at: 'timestamp', channel: 'string' } as const;
      expect(await extract(source(wider), 'r2')).toMatchObject({ rowsIn: 1, rowsLoaded: 1 });
      const rows = await w.query<Record<string, unknown>>(
        'SELECT order_id, qty, channel FROM raw.shop_orders ORDER BY order_id',
      );
      expect(rows.map((r) => [r.order_id, num(r.qty), r.channel])).toEqual([
        ['O1', 4, null],
        ['O2', 1.5, 'web'],
      ]);
      expect(await changes('raw.shop_orders')).toEqual(expect.arrayContaining(['channel added', 'qty widened']));

      await expect(extract(source({ ...wider, qty: 'integer' }), 'r3')).rejects.toMatchObject({
        nonRetryable: true,
        message: expect.stringMatching(
          /sources\.shop\.tables\.orders\.columns\.qty: raw\.shop_orders\.qty is (DECIMAL|NUMBER)\(18,\s?2\) in the warehouse and cannot become integer/,
        ),
      });
    } finally {
      await client.end();
    }
  });
});
