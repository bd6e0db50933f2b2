import { join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { buildInOrder } from '../helpers/dbt-build';
import { runDbtCore } from '../helpers/dbt-reference';
import { writeFiles } from '../helpers/project-files';
import { tmpDir } from '../helpers/tmp';

/**
 * A project overriding dbt's `unique` test with its own `{% test unique %}` (which finds nothing here) while
 * `not_null` stays dbt's: the model has a duplicate id, so dbt's own `unique` would fail.
 */
const FILES: Record<string, string> = {
  'dbt_project.yml': 'name: ovr\nprofile: edp\n',
  'models/m.sql': 'select 1 as id union all select 1 union all select null',
  'models/_m.yml': 'models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n',
  'macros/overrides.sql':
    '{% test unique(model, column_name) %}\nselect {{ column_name }} from {{ model }} where {{ column_name }} < 0\n{% endtest %}\n',
};

describe("a project's own generic test named like dbt's vs dbt-core + dbt-duckdb", () => {
  it("runs the project's test_unique instead of dbt's, as dbt-core does, and dbt's not_null where the project has none", async () => {
    const work = tmpDir('edp-dbt-test-override-');
    const dir = join(work, 'project');
    writeFiles(dir, FILES);
    // dbt-core: the override passes, dbt's not_null fails on the null id (exit 1).
    expect(() => runDbtCore(dir, join(work, 'ref.duckdb'), join(work, 'dbt'), ['build'])).toThrow(
      /PASS=2 WARN=0 ERROR=1 SKIP=0 .*TOTAL=3/,
    );
    const w = await DuckDbWarehouse.open({ path: join(work, 'ours.duckdb') });
    try {
      const { results } = await buildInOrder(w, dir, { schema: 'main', type: 'duckdb' }, 'test-override-1');
      expect(results.unique_m_id).toMatchObject({ status: 'success', rows: 0 });
      expect(results.not_null_m_id).toMatchObject({ status: 'fail', rows: 1 });
    } finally {
      await w.close();
    }
  }, 300_000);
});
