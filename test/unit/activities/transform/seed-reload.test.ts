import { buildSeed } from '../../../../activities/transform/seed';
import { readManifest } from '../../../../activities/transform/manifest-store';
import { Runner, writeProject } from './helpers';

const ROWS = 5000;
const orders = ['id,customer,amount,ordered_at']
  .concat(
    Array.from(
      { length: ROWS },
      (_, i) => `${i},c${i % 97},${i % 500},2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    ),
  )
  .join('\n');

/** A project reading its seed through source() (as jaffle-shop does): a table model, a view and a snapshot. */
const project = () =>
  writeProject({
    'dbt_project.yml': 'name: p\nseeds:\n  p:\n    +schema: raw\n',
    'seeds/raw_orders.csv': `${orders}\n`,
    'models/sources.yml': 'sources:\n  - name: ecom\n    schema: main_raw\n    tables:\n      - name: raw_orders\n',
    'models/orders.sql': "{{ config(materialized='table') }} select * from {{ source('ecom', 'raw_orders') }}",
    'models/stg_orders.sql': "select * from {{ source('ecom', 'raw_orders') }}",
    'snapshots/orders_snapshot.sql':
      "{% snapshot orders_snapshot %}{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ source('ecom', 'raw_orders') }}\n{% endsnapshot %}",
  });

describe('reloading a seed that models read through source()', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('plans the seed before every node reading its table through a source', async () => {
    runner = await Runner.open(project());
    const plan = await runner.plan({ command: 'build' });
    const edges = plan.edges.map(([a, b]) => `${a} -> ${b}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'seed.p.raw_orders -> model.p.orders',
        'seed.p.raw_orders -> model.p.stg_orders',
        'seed.p.raw_orders -> snapshot.p.orders_snapshot',
      ]),
    );
  });

  it('builds every reader with the seed’s rows on each of two concurrent builds; the snapshot closes nothing', async () => {
    runner = await Runner.open(project());
    for (let round = 1; round <= 2; round++) {
      const results = await runner.buildConcurrently({ command: 'build' });
      expect(Object.values(results).map((r) => [r.name, r.status])).toEqual(
        expect.arrayContaining([
          ['raw_orders', 'success'],
          ['orders', 'success'],
          ['orders_snapshot', 'success'],
        ]),
      );
      expect(results.orders.rows).toBe(ROWS);
      expect(await runner.query('select count(*)::int as n from main.orders')).toEqual([{ n: ROWS }]);
      expect(await runner.query('select count(*)::int as n from main.stg_orders')).toEqual([{ n: ROWS }]);
      const snap = await runner.query(
        'select count(*)::int as n, count(dbt_valid_to)::int as closed from snapshots.orders_snapshot',
      );
      expect(snap).toEqual([{ n: ROWS, closed: 0 }]);
    }
  });

  it('shows a reader the old rows or the new ones while the seed reloads, never an empty table', async () => {
    runner = await Runner.open(project());
    await runner.build({ command: 'seed' });
    const plan = await runner.plan({ command: 'seed' });
    const manifest = readManifest(plan.manifestFile, plan.checksum);
    const seed = Object.values(manifest.nodes).find((n) => n.name === 'raw_orders')!;
    let loading = true;
    const seen = new Set<number>();
    const reader = (async () => {
      while (loading) {
        const [row] = await runner.query<{ n: number }>('select count(*)::int as n from main_raw.raw_orders');
        seen.add(row.n);
      }
    })();
    for (let i = 0; i < 3; i++) await buildSeed(runner.warehouse, manifest, seed, { invocationId: `reload-${i}` });
    loading = false;
    await reader;
    expect([...seen]).toEqual([ROWS]);
  });
});
