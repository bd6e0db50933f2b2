import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbtCommand } from '../../cli/dbt-command';
import { withWorker } from '../../cli/session';
import { copyFeatureProject } from '../helpers/dbt-reference';
import { testConfig } from '../helpers/platform';
import { dbtOptions as options } from '../helpers/dbt-options';
import { tmpDir } from '../helpers/tmp';

/** `edp dbt` end to end: the CLI starts the transform workflow on the dev server and prints dbt-style lines. */
describe('edp dbt (dev server, DuckDB)', () => {
  it('builds a project, printing a line per node and dbt’s summary; exit 1 when a test fails', async () => {
    const { config } = testConfig('it-dbt-cli');
    const project = copyFeatureProject(join(tmpDir('edp-dbt-cli-'), 'features'));
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    await withWorker(
      config,
      async () => {
        expect(await dbtCommand(config, 'build', options(project), log)).toBe(0);
        expect(lines.some((l) => /^ *\d+ of 17 OK +model fct_claims \[4 rows in /.test(l))).toBe(true);
        expect(lines.at(-1)).toMatch(/Done\. PASS=15 WARN=2 ERROR=0 SKIP=0 TOTAL=17$/);

        // A failing error-severity test: exit 1, the test named with its failing rows, its model's children skipped.
        writeFileSync(
          join(project, 'tests', 'no_gold.sql'),
          "select * from {{ ref('stg_members') }} where plan = 'gold'",
        );
        lines.length = 0;
        expect(await dbtCommand(config, 'build', options(project, { select: ['+stg_members+'] }), log)).toBe(1);
        expect(lines.some((l) => /FAIL +test no_gold \[2 failing/.test(l))).toBe(true);
        expect(lines.at(-1)).toMatch(/ERROR=1 SKIP=\d+/);

        await expect(dbtCommand(config, 'deploy', options(project), log)).rejects.toThrow('dbt needs a command');
      },
      () => {},
    );
  }, 180_000);
});
