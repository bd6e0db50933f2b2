import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransformActivities } from '../../activities/transform';
import type { Warehouse } from '../../activities/warehouse';
import { governanceSchema } from '../../lib/config/governance-schema';
import { topologicalOrder } from '../../lib/graph';
import { describeEngines, only, type TestEngine } from '../helpers/engines';
import { tmpDir } from '../helpers/tmp';

const MEMBER = { id: 'M0000001', first: 'Kofi', last: 'Rossi', plan: 'P1' };

/** A project with one consumption view and one consumption table over raw.members; first and last name are PHI. */
function project(tagged: boolean): string {
  const dir = tmpDir('edp-governance-project-');
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'macros'));
  // The platform's own macro: a model's schema is used as written (consumption), not prefixed.
  copyFileSync(
    join(__dirname, '..', '..', 'models', 'macros', 'generate_schema_name.sql'),
    join(dir, 'macros', 'generate_schema_name.sql'),
  );
  writeFileSync(
    join(dir, 'dbt_project.yml'),
    "name: gov\nversion: '1.0.0'\nconfig-version: 2\nprofile: edp\nmodel-paths: ['models']\n",
  );
  writeFileSync(
    join(dir, 'models', '_sources.yml'),
    'version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables: [{ name: members }]\n',
  );
  const body = "select member_id, first_name, last_name, plan_id from {{ source('raw', 'members') }}";
  writeFileSync(
    join(dir, 'models', 'member_card.sql'),
    `{{ config(schema='consumption', materialized='view') }}\n${body}`,
  );
  writeFileSync(
    join(dir, 'models', 'member_list.sql'),
    `{{ config(schema='consumption', materialized='table') }}\n${body}`,
  );
  const columns = tagged
    ? '    columns:\n      - { name: first_name, meta: { phi: true } }\n      - { name: last_name, tags: [phi] }\n'
    : '';
  writeFileSync(
    join(dir, 'models', '_models.yml'),
    `version: 2\nmodels:\n  - name: member_card\n${columns}  - name: member_list\n${columns}`,
  );
  return dir;
}

/** Plans and builds every node of `dir` with governance on, as the transform workflow would. */
async function build(w: Warehouse, dir: string, invocationId: string): Promise<void> {
  const governance = governanceSchema.parse({ unmaskedRoles: ['PHI_READER'] });
  const acts = createTransformActivities({
    warehouse: w,
    projectDir: dir,
    target: { type: w.dialect.name },
    governance,
  });
  const plan = await acts.planTransform({ command: 'run' });
  for (const nodeId of topologicalOrder({ nodes: plan.nodes.map((n) => n.id), edges: plan.edges })) {
    await acts.runNode({
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId,
      invocationId,
      runStartedAt: '2026-01-07T00:00:00Z',
    });
  }
}

/** A warehouse on `engine` for the suite, holding raw.members with one member; closed after it. */
function seededWarehouse(engine: TestEngine): { w: Warehouse } {
  const holder = {} as { w: Warehouse };
  beforeAll(async () => {
    holder.w = await engine.open('governance');
    await holder.w.execute('CREATE SCHEMA IF NOT EXISTS raw');
    await holder.w.execute(
      'CREATE OR REPLACE TABLE raw.members (member_id VARCHAR, first_name VARCHAR, last_name VARCHAR, plan_id VARCHAR)',
    );
    await holder.w.execute('INSERT INTO raw.members VALUES (?, ?, ?, ?)', [
      MEMBER.id,
      MEMBER.first,
      MEMBER.last,
      MEMBER.plan,
    ]);
  });
  afterAll(() => holder.w?.close());
  return holder;
}

describeEngines(
  'PHI governance on %s',
  (engine) => {
    const suite = seededWarehouse(engine);

    it('masks PHI in the consumption objects readers query by default; the unmasked schema holds the clear values', async () => {
      const dir = project(true);
      for (const run of [1, 2]) {
        // The second build replaces the masked view the first left under the model's name.
        await build(suite.w, dir, `governance-${run}`);
        for (const model of ['member_card', 'member_list']) {
          const masked = await suite.w.query(`select * from consumption.${model}`);
          expect(masked).toEqual([
            { member_id: MEMBER.id, first_name: '*****', last_name: '*****', plan_id: MEMBER.plan },
          ]);
          expect(JSON.stringify(masked)).not.toContain(MEMBER.first);
          const clear = await suite.w.query(`select * from consumption_unmasked.${model}`);
          expect(clear).toEqual([
            { member_id: MEMBER.id, first_name: MEMBER.first, last_name: MEMBER.last, plan_id: MEMBER.plan },
          ]);
        }
      }
      // A change upstream reaches both after the next build: the unmasked view still reads its sources.
      await suite.w.execute(`UPDATE raw.members SET first_name = 'Ama'`);
      expect(await suite.w.query('select first_name from consumption_unmasked.member_card')).toEqual([
        { first_name: 'Ama' },
      ]);
      expect(await suite.w.query('select first_name from consumption.member_card')).toEqual([{ first_name: '*****' }]);
    });

    it('leaves untagged consumption objects where the build put them', async () => {
      await suite.w.execute('DROP SCHEMA IF EXISTS consumption_unmasked CASCADE');
      await build(suite.w, project(false), 'governance-untagged');
      expect(await suite.w.query('select first_name from consumption.member_list')).toEqual([{ first_name: 'Ama' }]);
      expect(await suite.w.describeTable({ schema: 'consumption_unmasked', table: 'member_list' })).toBeUndefined();
    });
  },
  only('duckdb'),
);

/**
 * The local Snowflake-protocol server (fakesnow on DuckDB) has no masking or row-access policies: it
 * refuses CREATE MASKING POLICY. What it accepts is CREATE OR REPLACE SECURE VIEW (without recording
 * SECURE). So on it only the secure-view step runs; the policy statements are checked as text in
 * test/unit/activities/warehouse/governance-statements.test.ts.
 */
describeEngines(
  'PHI governance on %s (stand-in without policies)',
  (engine) => {
    const suite = seededWarehouse(engine);

    it('recreates an untagged consumption view as a SECURE VIEW that still answers (the stand-in does not record SECURE)', async () => {
      await build(suite.w, project(false), 'governance-secure');
      const rows = await suite.w.query('select first_name from consumption.member_card');
      expect(rows.map((r) => r.first_name)).toEqual([MEMBER.first]);
    });

    it('the stand-in refuses the masking policy of a PHI-tagged model, so the build fails instead of passing unmasked', async () => {
      await expect(build(suite.w, project(true), 'governance-policy')).rejects.toThrow(/MASKING/i);
    });
  },
  only('snowflake'),
);
