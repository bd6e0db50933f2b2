import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createQualityActivities, loadRuleFiles } from '../../../../activities/quality';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import { tmpDir } from '../../../helpers/tmp';

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };

describe('quality rules', () => {
  it('names the file and the path of a mistake in a rule file', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'bad.yml'), 'table: marts.m\nchecks:\n  - { name: k, type: not_nul, column: id }\n');
    expect(() => loadRuleFiles(dir)).toThrow(
      /bad\.yml:\n {2}checks\.0\.type: Invalid discriminator value. Expected 'not_null'/,
    );
  });

  it('counts violations per check and blocks only on error severity', async () => {
    const dir = tmpDir();
    const w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    try {
      await w.execute('CREATE SCHEMA marts');
      await w.execute(
        `CREATE TABLE marts.m AS SELECT * FROM (VALUES (1, 5, 10), (1, 20, 10), (NULL, 1, 2)) t(id, paid, billed)`,
      );
      writeFileSync(
        join(dir, 'm.yml'),
        [
          'table: marts.m',
          'checks:',
          '  - { name: id_not_null, type: not_null, column: id }',
          '  - { name: id_unique, type: unique, column: id, severity: warn }',
          '  - { name: paid_le_billed, type: expression, expression: paid <= billed }',
          '  - { name: enough_rows, type: row_count, min: 5, severity: warn }',
        ].join('\n'),
      );
      const acts = createQualityActivities({ warehouse: w, rulesDir: dir });
      const run = await acts.runQualityChecks({ interval, runId: 'run-1' });
      expect(run.results.map((r) => [r.check, r.failedRows, r.passed])).toEqual([
        ['id_not_null', 1, false],
        ['id_unique', 1, false],
        ['paid_le_billed', 1, false],
        ['enough_rows', 2, false],
      ]);
      expect(run.blocking.map((r) => r.check)).toEqual(['id_not_null', 'paid_le_billed']);
      await acts.runQualityChecks({ interval, runId: 'run-1' }); // a retry replaces, never duplicates
      expect(await w.query('SELECT count(*)::INTEGER AS n FROM audit.quality_results')).toEqual([{ n: 4 }]);
    } finally {
      await w.close();
    }
  });
});
