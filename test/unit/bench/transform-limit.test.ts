import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformLimit } from '../../../bench/transform-limit';
import { tmpDir } from '../../helpers/tmp';

/** A node of run_results.json as the transform writes it (only the fields the limit reads). */
const result = (id: string, status: string, startedAt: string, code: string, relation?: string) => ({
  unique_id: id,
  status,
  compiled_code: code,
  ...(relation ? { relation_name: relation } : {}),
  timing: [{ name: 'execute', started_at: startedAt, completed_at: startedAt }],
});

describe('the transform limit of bench/pipeline.ts', () => {
  let dir: string;
  let warehouse: string;
  let runResults: string;
  let manifest: string;

  beforeEach(async () => {
    dir = tmpDir('edp-transform-limit-');
    warehouse = join(dir, 'warehouse.duckdb');
    const instance = await DuckDBInstance.create(warehouse);
    const c = await instance.connect();
    await c.run(`create schema raw; create table raw.src as select range as id from range(10)`);
    await c.run(`create schema staging`);
    c.closeSync();
    instance.closeSync();
    // Listed out of run order, as a run's results may be: the limit runs them in the order they started.
    runResults = join(dir, 'run_results.json');
    writeFileSync(
      runResults,
      JSON.stringify({
        results: [
          result(
            'test.p.few_rows',
            'warn',
            '2026-01-01T00:00:03Z',
            'select * from "warehouse"."staging"."v" where id2 < 3',
          ),
          result(
            'model.p.v',
            'success',
            '2026-01-01T00:00:02Z',
            'select id * 2 as id2 from "warehouse"."staging"."stg2"',
            '"warehouse"."staging"."v"',
          ),
          result(
            'model.p.stg2',
            'success',
            '2026-01-01T00:00:01Z',
            'select id from "warehouse"."raw"."src"',
            '"warehouse"."staging"."stg2"',
          ),
          result(
            'snapshot.p.snap',
            'success',
            '2026-01-01T00:00:02Z',
            'select id from "warehouse"."raw"."src"',
            '"warehouse"."staging"."snap"',
          ),
          result(
            'model.p.broken',
            'error',
            '2026-01-01T00:00:02Z',
            'select nope from nowhere',
            '"warehouse"."staging"."broken"',
          ),
        ],
      }),
    );
    manifest = join(dir, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        nodes: {
          'model.p.stg2': { config: { materialized: 'table' } },
          'model.p.v': { config: { materialized: 'view' } },
          'snapshot.p.snap': { config: { materialized: 'snapshot' } },
          'model.p.broken': { config: { materialized: 'table' } },
          'test.p.few_rows': { config: { materialized: 'test' } },
        },
      }),
    );
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the nodes that ran, in the order they started, on a copy of the warehouse; snapshots and failed nodes are left out', async () => {
    const work = join(dir, 'work');
    mkdirSync(work);
    const limit = await transformLimit(warehouse, runResults, manifest, work);
    expect(limit.nodes).toBe(3);
    expect(Object.fromEntries(Object.entries(limit.byKind).map(([k, v]) => [k, v.nodes]))).toEqual({
      table: 1,
      view: 1,
      test: 1,
    });
    expect(limit.slowest.map((s) => s.name).sort()).toEqual(['few_rows', 'stg2', 'v']);
    expect(limit.cpuSeconds).toBeGreaterThanOrEqual(0);
    // The warehouse itself is untouched (no staging.stg2 in it), and the copy is gone.
    const instance = await DuckDBInstance.create(warehouse, { access_mode: 'READ_ONLY' });
    const c = await instance.connect();
    const rows = await c.runAndReadAll(
      `select count(*) as n from information_schema.tables where table_schema = 'staging' and table_name = 'stg2'`,
    );
    expect(rows.getRowObjectsJson()).toEqual([{ n: '0' }]);
    c.closeSync();
    instance.closeSync();
    expect(readdirSync(work)).toEqual([]);
  });
});
