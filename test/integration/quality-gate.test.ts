import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPipeline } from '../../cli/pipeline-run';
import { EDP_STATUS } from '../../lib/search-attributes';
import { runWorker } from '../../workers/worker';
import { landSample, testClient, testConfig, warehouseFingerprint } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

/** The quality gate inside platformPipeline on the dev server: a failing error-severity rule blocks the export. */
describe('quality gate in the pipeline (dev server, DuckDB)', () => {
  const interval = { start: '2026-04-01T00:00:00.000Z', end: '2026-04-01T04:00:00.000Z' };

  it('blocks publishing on an error-severity failure, names the rule and keys, and quarantines flagged rows', async () => {
    const rulesDir = tmpDir('edp-rules-');
    mkdirSync(rulesDir, { recursive: true });
    writeFileSync(
      join(rulesDir, 'claims.yml'),
      [
        'table: staging.stg_claims',
        'key: [claim_id]',
        'rules:',
        '  - { name: no_big_claims, type: business, expression: billed_amount < 4000 }', // ~20% of the sample fails
        '  - { name: no_denied, type: format, column: claim_status, regex: "submitted|adjudicated|approved|paid", severity: warn }',
        "  - { name: drop_denied, type: business, filter: \"claim_status = 'denied'\", expression: 'false', severity: warn, quarantine: true }",
      ].join('\n'),
    );
    const loaded = testConfig('it-quality', { quality: { rulesDir } });
    landSample(loaded, interval);
    let stop!: () => void;
    const worker = runWorker(loaded.config, { until: new Promise<void>((r) => (stop = r)), log: () => {} });
    const { client, close } = await testClient();
    try {
      const handle = await startPipeline(client, loaded.config, interval);
      const result = await handle.result();
      expect(result.status).toBe('blocked');
      expect(result.export).toBeUndefined();
      expect(result.quality.passed).toBe(false);
      expect(result.quality.blocking.map((b) => b.rule)).toEqual(['no_big_claims']);
      expect(result.quality.blocking[0].sampleKeys).toHaveLength(5);
      expect(result.quality.blocking[0].sampleKeys[0]).toMatch(/^C20260401T0000-\d{6}$/);
      expect(result.quality.warnings.map((w) => w.rule).sort()).toEqual(['drop_denied', 'no_denied']);
      const [score] = result.quality.scores;
      expect(score.quarantined).toBeGreaterThan(0);
      expect((await handle.describe()).typedSearchAttributes.get(EDP_STATUS)).toBe('blocked');
    } finally {
      stop();
      await worker;
      await close();
    }
    const tables = await warehouseFingerprint(loaded.config.warehouse.duckdb.path);
    expect(Object.keys(tables)).toEqual(
      expect.arrayContaining([
        'audit.quality_rule_results',
        'audit.quality_scores',
        'staging.stg_claims__quality_errors',
      ]),
    );
  });
});
