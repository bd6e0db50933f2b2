import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { startPipeline } from '../../cli/pipeline-run';
import { EDP_STATUS } from '../../lib/search-attributes';
import { withWorker } from '../../cli/session';
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
    await landSample(loaded, interval);
    const { client, close } = await testClient(loaded.config);
    const run = withWorker(
      loaded.config,
      async () => {
        const handle = await startPipeline(client, loaded.config, interval);
        return { handle, result: await handle.result() };
      },
      () => {},
    );
    try {
      const { handle, result } = await run;
      expect(result.status).toBe('blocked');
      expect(result.export).toBeUndefined();
      expect(result.quality.passed).toBe(false);
      expect(result.quality.blocking.map((b) => b.rule)).toEqual(['no_big_claims']);
      expect(result.quality.blocking[0].sampleKeys).toHaveLength(5);
      expect(result.quality.blocking[0].sampleKeys[0]).toMatch(/^C20260401T0000-\d{6}$/);
      // no_denied passes in the end: the rows it flagged were quarantined by drop_denied right after the model
      // was built, and the gate judges the table that goes on (their copies stay in the error table).
      expect(result.quality.warnings.map((w) => w.rule)).toEqual(['drop_denied']);
      // Checked right after stg_claims was built, so downstream models never saw the quarantined rows.
      const stg = result.transform.models.find((m) => m.model === 'stg_claims')!;
      expect(stg.quarantined).toBeGreaterThan(0);
      const [score] = result.quality.scores;
      expect(score.quarantined).toBe(0); // the gate's second look finds nothing left to move…
      expect(result.quality.warnings.find((w) => w.rule === 'drop_denied')!.failedRows).toBe(stg.quarantined); // …and still counts it
      expect((await handle.describe()).typedSearchAttributes.get(EDP_STATUS)).toBe('blocked');
    } finally {
      await close();
    }
    const w = await DuckDbWarehouse.open({ path: loaded.config.warehouse.duckdb.path });
    const denied = await w.query(
      "SELECT count(*)::INTEGER AS n FROM intermediate.int_claims_enriched WHERE claim_status = 'denied'",
    );
    const kept = await w.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM staging.stg_claims__quality_errors WHERE rule = 'drop_denied' AND quarantined",
    );
    await w.close();
    expect(denied).toEqual([{ n: 0 }]);
    expect(kept[0].n).toBeGreaterThan(0);
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
