import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { buildInOrder } from '../helpers/dbt-build';
import { compareWarehouses, runDbtCore } from '../helpers/dbt-reference';
import { tmpDir } from '../helpers/tmp';

/** A project with dbt-duckdb's external models and sources; `out` is where its files go. */
function writeExternalProject(dir: string, data: string): void {
  const files: Record<string, string> = {
    'dbt_project.yml': "name: ext\nprofile: edp\nvars:\n  out: 'unset'\n",
    'models/sources.yml': [
      'sources:',
      '  - name: landing',
      '    meta:',
      `      external_location: "${data}/{name}.csv"`,
      '    tables:',
      '      - name: customers',
      '      - name: payments',
      '        meta:',
      `          external_location: "read_csv('${data}/pay_*.csv', header=true, union_by_name=true)"`,
    ].join('\n'),
    'models/stg_customers.sql':
      "{{ config(materialized='external', location=var('out') ~ '/stg_customers.parquet') }}\nselect id, upper(name) as name, tier from {{ source('landing', 'customers') }}",
    'models/payments_by_tier.sql': [
      "{{ config(materialized='external', location=var('out') ~ '/by_tier.csv', options={'delimiter': ';'}) }}",
      'select c.tier, sum(p.amount) as amount, count(*) as n',
      "from {{ ref('stg_customers') }} c join {{ source('landing', 'payments') }} p on p.customer_id = c.id",
      'group by c.tier',
    ].join('\n'),
    'models/top_customers.sql': [
      "{{ config(materialized='external', format='json', location=var('out') ~ '/top.json') }}",
      "select c.name, sum(p.amount) as total from {{ ref('stg_customers') }} c join {{ source('landing', 'payments') }} p on p.customer_id = c.id",
      'group by c.name having sum(p.amount) > 50',
    ].join('\n'),
    'models/none_yet.sql':
      "{{ config(materialized='external', location=var('out') ~ '/none.parquet') }}\nselect * from {{ ref('stg_customers') }} where tier = 'platinum'",
    'models/tier_report.sql':
      "{{ config(materialized='table') }}\nselect tier, amount, n from {{ ref('payments_by_tier') }}",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'customers.csv'), 'id,name,tier\n1,ada,gold\n2,bob,silver\n3,cy,gold\n4,dee,bronze\n');
  writeFileSync(join(data, 'pay_2026_01.csv'), 'customer_id,amount\n1,40.5\n2,10\n3,12.25\n');
  writeFileSync(join(data, 'pay_2026_02.csv'), 'customer_id,amount\n1,30\n4,7.75\n3,1\n');
}

describe("materialized='external' and external sources vs dbt-duckdb", () => {
  it('builds the same relations, row for row, each side writing its own files', async () => {
    const work = tmpDir('edp-dbt-external-');
    const project = join(work, 'project');
    writeExternalProject(project, join(work, 'landing'));
    const refDb = join(work, 'ref.duckdb');
    mkdirSync(join(work, 'dbt-out')); // dbt-duckdb writes into an existing folder (the engine makes it)
    const summary = runDbtCore(project, refDb, join(work, 'dbt'), [
      'build',
      '--vars',
      `{out: '${join(work, 'dbt-out')}'}`,
    ]);
    expect(summary).toMatch(/PASS=5 WARN=0 ERROR=0 SKIP=0/);

    const ours = join(work, 'ours.duckdb');
    const w = await DuckDbWarehouse.open({ path: ours });
    try {
      const { results } = await buildInOrder(w, project, { schema: 'main' }, 'ext-1', {
        vars: { out: join(work, 'edp-out') },
      });
      expect(Object.fromEntries(Object.values(results).map((r) => [r.name, r.status]))).toEqual({
        stg_customers: 'success',
        none_yet: 'success',
        payments_by_tier: 'success',
        tier_report: 'success',
        top_customers: 'success',
      });
    } finally {
      await w.close();
    }
    const { compared, differences } = await compareWarehouses(ours, refDb, ['main']);
    expect(differences).toEqual([]);
    expect(compared.sort()).toEqual([
      'main.none_yet',
      'main.payments_by_tier',
      'main.stg_customers',
      'main.tier_report',
      'main.top_customers',
    ]);
  });
});
