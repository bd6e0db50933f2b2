import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../../activities/warehouse';
import { writeProject } from '../activities/transform/helpers';
import { runEdp } from '../../helpers/edp-cli';
import { tmpDir } from '../../helpers/tmp';

/** `edp dbt source freshness …` as a user runs it, on the repository's config with its own state folder. */
const freshness = (stateDir: string, args: string[]) => runEdp(stateDir, ['dbt', 'source', 'freshness', ...args]);

/** Source-level limits (warn 1 hour, error 1 day) that tables inherit, override, filter or switch off. */
const SOURCES = [
  'sources:',
  '  - name: raw',
  '    loaded_at_field: loaded_at',
  '    freshness:',
  '      warn_after: {count: 1, period: hour}',
  '      error_after: {count: 1, period: day}',
  '    tables:',
  '      - name: fresh',
  '      - name: late',
  '      - name: stale',
  '      - name: strict',
  '        freshness:',
  '          error_after: {count: 2, period: hour}',
  '      - name: filtered',
  '        loaded_at_field: arrived',
  '        freshness:',
  '          filter: "kind = \'old\'"',
  '      - name: unchecked',
  '        freshness: null',
  '      - name: empty',
  '      - name: missing',
  '  - name: other',
  '    tables:',
  '      - name: no_limits',
].join('\n');

describe('edp dbt source freshness', () => {
  it('prints PASS / WARN / ERROR STALE per source as dbt, inherits limits source → table, exits 1, writes sources.json', async () => {
    const state = tmpDir('edp-freshness-state-');
    const w = await DuckDbWarehouse.open({ path: join(state, 'warehouse.duckdb') });
    try {
      await w.execute('create schema raw');
      await w.execute('create schema other');
      const table = (name: string, ago: string) =>
        w.execute(`create table raw.${name} as select current_timestamp - interval ${ago} as loaded_at`);
      await table('fresh', '5 minute');
      await table('late', '3 hour');
      await table('stale', '2 day');
      await table('strict', '3 hour');
      await table('unchecked', '30 day');
      // A naive timestamp (UTC, as dbt reads it); the newest row is filtered out.
      await w.execute(`create table raw.filtered as
        select (now() at time zone 'UTC') - interval 2 day as arrived, 'old' as kind
        union all select now() at time zone 'UTC', 'new'`);
      await w.execute('create table raw.empty (loaded_at timestamp)');
      await w.execute('create table other.no_limits (loaded_at timestamp)');
    } finally {
      await w.close();
    }
    const project = writeProject({ 'models/sources.yml': SOURCES });
    const r = await freshness(state, ['--project-dir', project]);
    expect(r.code).toBe(1);
    const line = (name: string) => r.out.split('\n').find((l) => l.includes(`freshness of raw.${name} `)) ?? '';
    expect(line('fresh')).toMatch(/^ {2}\d of 7 PASS +freshness of raw\.fresh \[PASS in \d+\.\d\ds\]$/);
    expect(line('late')).toMatch(/ WARN +freshness of raw\.late \[WARN in /);
    expect(line('stale')).toMatch(/ ERROR STALE freshness of raw\.stale \[ERROR STALE in /);
    expect(line('strict')).toMatch(/ ERROR STALE freshness of raw\.strict \[ERROR STALE in /);
    expect(line('filtered')).toMatch(/ ERROR STALE freshness of raw\.filtered \[ERROR STALE in /);
    // No rows: as stale as can be (dbt 1.10 dates it 0001-01-01).
    expect(line('empty')).toMatch(/ ERROR STALE freshness of raw\.empty \[ERROR STALE in /);
    expect(line('missing')).toMatch(/ ERROR +freshness of raw\.missing \[ERROR in .*missing/);
    expect(r.out).not.toContain('raw.unchecked');
    expect(r.out).not.toContain('no_limits');
    expect(r.out).toMatch(/Done\. PASS=1 WARN=1 ERROR=5 SKIP=0 TOTAL=7\n$/);

    const json = JSON.parse(readFileSync(join(project, 'target', 'sources.json'), 'utf8')) as {
      metadata: { dbt_schema_version: string };
      results: Array<Record<string, unknown>>;
    };
    expect(json.metadata.dbt_schema_version).toBe('https://schemas.getdbt.com/dbt/sources/v3.json');
    const byId: Record<string, Record<string, unknown>> = Object.fromEntries(
      json.results.map((x) => [String(x.unique_id), x]),
    );
    expect(byId['source.p.raw.strict']).toMatchObject({
      status: 'error',
      criteria: {
        warn_after: { count: 1, period: 'hour' },
        error_after: { count: 2, period: 'hour' },
        filter: null,
      },
    });
    expect(byId['source.p.raw.late'].max_loaded_at_time_ago_in_s).toBeGreaterThan(3 * 3600 - 60);
    expect(byId['source.p.raw.late'].max_loaded_at_time_ago_in_s).toBeLessThan(3 * 3600 + 600);
    expect(byId['source.p.raw.empty']).toMatchObject({
      status: 'error',
      max_loaded_at: '0001-01-01T00:00:00.000000+00:00',
    });
    // In unique id order, as dbt runs them; a source whose query failed is in the log only, as in dbt 1.10.
    expect(json.results.map((x) => x.unique_id)).toEqual(
      ['empty', 'filtered', 'fresh', 'late', 'stale', 'strict'].map((t) => `source.p.raw.${t}`),
    );

    // Only what is selected, all fresh: exit 0.
    const ok = await freshness(state, ['--project-dir', project, '-s', 'source:raw.fresh']);
    expect(ok).toEqual({ code: 0, out: expect.stringMatching(/Done\. PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1\n$/) });
  }, 60_000);
});
