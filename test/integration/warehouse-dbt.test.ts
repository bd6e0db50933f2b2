import { join } from 'node:path';
import { renderRelation, type NodeRunResult, type TargetInfo } from '../../activities/transform';
import type { Warehouse } from '../../activities/warehouse';
import { buildInOrder } from '../helpers/dbt-build';
import { tmpDir } from '../helpers/tmp';
import { changeFeatureSeeds, copyFeatureProject } from '../helpers/dbt-reference';
import { compared, describeEngines, REFERENCE_ENGINE } from '../helpers/engines';
import { normalizedRows } from '../helpers/table-rows';

/** Builds the project once (every node in order, bundled tests included); results by node name. */
const build = (w: Warehouse, projectDir: string, target: Partial<TargetInfo>, invocationId: string) =>
  buildInOrder(w, projectDir, target, invocationId, { runStartedAt: '2026-01-07T00:00:00Z' });

/**
 * The dbt engine on each engine of the test list compared with the reference (test/helpers/engines.ts;
 * the local Snowflake-protocol server over snowflake-sdk, real Snowflake when configured): the feature
 * project builds twice with the engine's quoting and SQL and gives the same tables as on DuckDB.
 */
describeEngines(
  'dbt engine on %s and the reference',
  (engine) => {
    it('builds the same tables on both engines, incremental models and snapshots included', async () => {
      const project = copyFeatureProject(join(tmpDir('edp-dbt-sf-'), 'features'));
      const snowflake = await engine.open('dbt');
      const duckdb = await REFERENCE_ENGINE.open('features');
      try {
        for (const round of [1, 2]) {
          if (round === 2) changeFeatureSeeds(project);
          const sf = await build(snowflake, project, { type: engine.engine, schema: 'main' }, `sf-${round}`);
          const dd = await build(duckdb, project, { type: REFERENCE_ENGINE.engine, schema: 'main' }, `dd-${round}`);
          const outcome = (r: Record<string, NodeRunResult>) =>
            Object.values(r)
              .map((x) => `${x.name}:${x.status}:${x.rows ?? ''}`)
              .sort();
          expect(outcome(sf.results)).toEqual(outcome(dd.results));
          expect(Object.values(sf.results).filter((x) => x.status === 'fail' || x.status === 'error')).toEqual([]);
          for (const node of Object.values(sf.manifest.nodes)) {
            if (!node.relation || node.config.materialized === 'ephemeral') continue;
            const rows = async (w: Warehouse, type: string) =>
              normalizedRows(await w.query(`select * from ${renderRelation(node.relation!, type)}`), ['dbt_scd_id']);
            expect([node.name, await rows(snowflake, engine.engine)]).toEqual([
              node.name,
              await rows(duckdb, REFERENCE_ENGINE.engine),
            ]);
          }
        }
        // Snowflake stores unquoted names upper-cased: the engine's tables are where the engine's own SQL finds them.
        const [row] = await snowflake.query('select count(*) as n from main_marts.fct_claims');
        expect(Number(row.n)).toBeGreaterThan(0);
      } finally {
        await snowflake.close();
        await duckdb.close();
      }
    }, 300_000);
  },
  compared,
);
