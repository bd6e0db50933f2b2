import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../../activities/warehouse';
import { runEdp } from '../../helpers/edp-cli';
import { tmpDir } from '../../helpers/tmp';

const REPO = join(__dirname, '..', '..', '..');

/** `edp dbt compile …` as a user runs it, on the repository's config with its own state folder. */
const compile = (stateDir: string, args: string[]) => runEdp(stateDir, ['dbt', 'compile', ...args]);

/**
 * The platform's own project queries the warehouse while compiling (its staging models read batch and
 * stream as one source, models/macros/batch_and_stream.sql): compile answers from the warehouse, read-only.
 */
describe('edp dbt compile on the platform project', () => {
  const project = join(tmpDir('edp-compile-project-'), 'models');
  cpSync(join(REPO, 'models'), project, {
    recursive: true,
    filter: (src) => !src.includes(`${join(REPO, 'models', 'target')}`),
  });
  const compiled = (model: string) =>
    readFileSync(join(project, 'target', 'compiled', 'edp_platform', 'staging', `${model}.sql`), 'utf8');

  it('without a warehouse yet, refuses the models that query it, names the missing file and creates nothing', async () => {
    const state = tmpDir('edp-compile-state-');
    const r = await compile(state, ['--project-dir', project]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('staging/stg_claim_status_events.sql: run_query/statement needs the warehouse');
    expect(r.out).toContain(`There is no warehouse yet (${join(state, 'warehouse.duckdb')} does not exist)`);
    expect(r.out).toContain('npx edp dbt build');
    expect(existsSync(join(state, 'warehouse.duckdb'))).toBe(false);
  });

  it('answers run_query and is_incremental() from the warehouse: the stream table and the built model are seen', async () => {
    const state = tmpDir('edp-compile-state-');
    const w = await DuckDbWarehouse.open({ path: join(state, 'warehouse.duckdb') });
    try {
      await w.execute('create schema staging');
      await w.execute(
        `create table staging.claim_status_events (event_id varchar, claim_id varchar, status varchar, amount double,
           updated_at timestamptz, _edp_event_time timestamptz, _edp_kafka_partition integer, _edp_kafka_offset bigint)`,
      );
    } finally {
      await w.close();
    }
    const empty = await compile(state, ['--project-dir', project, '-s', 'stg_claim_status_events']);
    expect(empty).toEqual({ code: 0, out: expect.stringMatching(/^Compiled \d+ nodes of edp_platform/) });
    // The stream table exists: its latest events join the batch rows.
    expect(compiled('stg_claim_status_events')).toContain('from staging.claim_status_events');
    expect(compiled('stg_claim_status_events')).toContain('full outer join');
    expect(compiled('stg_claim_status_events')).not.toContain('select max(updated_at) from');

    const again = await DuckDbWarehouse.open({ path: join(state, 'warehouse.duckdb') });
    try {
      await again.execute('create table staging.stg_claim_status_events (event_id varchar, updated_at timestamptz)');
    } finally {
      await again.close();
    }
    const built = await compile(state, ['--project-dir', project, '-s', 'stg_claim_status_events']);
    expect(built.code).toBe(0);
    // The model's table exists: is_incremental() is true, as in the run that would follow.
    expect(compiled('stg_claim_status_events')).toContain(
      'select max(updated_at) from "staging"."stg_claim_status_events"',
    );
  });
});
