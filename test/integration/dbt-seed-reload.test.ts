import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { dbtCommand, type DbtOptions } from '../../cli/dbt-command';
import { withWorker } from '../../cli/session';
import { testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

const ROWS = 20_000;

/** A project reading its seed through source(), as jaffle-shop does: a table, a view and a snapshot over it. */
function project(): string {
  const dir = tmpDir('edp-dbt-seed-reload-');
  const rows = Array.from({ length: ROWS }, (_, i) => `${i},c${i % 97},${i % 500},2024-01-0${(i % 9) + 1}T10:00:00`);
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: shop\nseeds:\n  shop:\n    +schema: raw\n',
    'seeds/raw_orders.csv': ['id,customer,amount,ordered_at', ...rows, ''].join('\n'),
    'models/sources.yml': 'sources:\n  - name: ecom\n    schema: main_raw\n    tables:\n      - name: raw_orders\n',
    'models/orders.sql': "{{ config(materialized='table') }} select * from {{ source('ecom', 'raw_orders') }}",
    'models/stg_orders.sql': "select * from {{ source('ecom', 'raw_orders') }}",
    'snapshots/orders_snapshot.sql':
      "{% snapshot orders_snapshot %}{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='ordered_at') }}\nselect * from {{ source('ecom', 'raw_orders') }}\n{% endsnapshot %}",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/**
 * `edp dbt build` twice on the dev server (nodes run concurrently, as in production): every reader of the
 * seed holds the seed's rows each time, and the snapshot closes no version (issue 16's seed reload race).
 */
describe('edp dbt build reloading a seed read through source() (dev server, DuckDB)', () => {
  it('builds the readers after the seed, with all of its rows, on each of two builds', async () => {
    const { config } = testConfig('it-dbt-seed-reload');
    const projectDir = project();
    const options: DbtOptions = { projectDir, select: [], exclude: [], fullRefresh: false, noWait: false };
    const counts: Array<Record<string, number>> = [];
    for (let round = 0; round < 2; round++) {
      const lines: string[] = [];
      await withWorker(
        config,
        async () => expect(await dbtCommand(config, 'build', options, (m) => lines.push(m))).toBe(0),
        () => {},
      );
      expect(lines.at(-1)).toMatch(/PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4$/);
      const w = await DuckDbWarehouse.open({ path: config.warehouse.duckdb.path });
      try {
        const [row] = await w.query<Record<string, number>>(
          `select (select count(*) from main.orders)::int as orders, (select count(*) from main.stg_orders)::int as stg_orders,
             (select count(*) from snapshots.orders_snapshot)::int as versions,
             (select count(dbt_valid_to) from snapshots.orders_snapshot)::int as closed`,
        );
        counts.push(row);
      } finally {
        await w.close();
      }
    }
    expect(counts).toEqual([
      { orders: ROWS, stg_orders: ROWS, versions: ROWS, closed: 0 },
      { orders: ROWS, stg_orders: ROWS, versions: ROWS, closed: 0 },
    ]);
  }, 300_000);
});
