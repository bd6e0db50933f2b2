import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TARGET, parseProject, planProject, readStateManifest, selectNodes } from '../../activities/transform';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { dbtCommand, type DbtOptions } from '../../cli/dbt-command';
import { dbtDocsGenerate } from '../../cli/dbt-docs';
import { dbtRunResults } from '../../cli/dbt-run-results';
import type { TransformResult } from '../../workflows/transform';
import { withWorker } from '../../cli/session';
import { ensureDbtArtifactsParser } from '../../infra/install';
import { dbtCorpus } from '../helpers/dbt-corpus';
import { runDbtCore } from '../helpers/dbt-reference';
import { testClient, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

const CORPUS = dbtCorpus();

/** jaffle-shop and dbt_utils' integration-test project, their packages in dbt_packages/ as dbt deps leaves them. */
function corpusProject(which: 'jaffle-shop' | 'dbt_utils', dir: string): string {
  const from =
    which === 'jaffle-shop'
      ? join(CORPUS, 'projects', 'jaffle-shop')
      : join(CORPUS, 'packages', 'dbt_utils', 'integration_tests');
  cpSync(from, dir, { recursive: true });
  for (const p of which === 'jaffle-shop' ? ['dbt_utils', 'dbt_date', 'audit_helper'] : ['dbt_utils']) {
    cpSync(join(CORPUS, 'packages', p), join(dir, 'dbt_packages', p), { recursive: true });
  }
  rmSync(join(dir, 'dbt_packages', 'dbt_utils', 'integration_tests'), { recursive: true, force: true });
  return dir;
}

/** Validates artifacts with dbt-artifacts-parser's pydantic models of dbt's schemas; returns its report. */
function validate(files: Array<[kind: 'manifest_v12' | 'run_results_v6' | 'catalog_v1', file: string]>): string {
  const python = ensureDbtArtifactsParser();
  const script = [
    'import json, sys',
    'from dbt_artifacts_parser import parser',
    'for kind, f in zip(sys.argv[1::2], sys.argv[2::2]):',
    '    getattr(parser, "parse_" + kind)(json.load(open(f)))',
    '    print(kind, "valid")',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, ...files.flat()], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dbt-artifacts-parser refused:\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

/** The parts of dbt's artifacts the assertions read. */
interface Artifacts {
  nodes: Record<
    string,
    {
      unique_id: string;
      resource_type: string;
      config: { enabled: boolean };
      checksum: unknown;
      columns: unknown;
      depends_on: { macros: string[] };
    }
  >;
  macros: Record<string, { package_name: string; depends_on: { macros: string[] } }>;
  sources: Record<string, unknown>;
  parent_map: Record<string, string[]>;
  results: Array<{
    unique_id: string;
    status: string;
    failures: number | null;
    timing: Array<{ name: string }>;
    compiled_code: string | null;
    relation_name: string | null;
  }>;
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Artifacts;

/** A project `name` in `dir` with one model, `n` (three rows). */
function oneModelProject(dir: string, name: string): string {
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'dbt_project.yml'), `name: ${name}\nversion: '1'\nprofile: edp\n`);
  writeFileSync(join(dir, 'models', 'n.sql'), 'select range as id from range(3)');
  return dir;
}

describe('dbt artifacts, test names and slim CI (dbt-core 1.10 reference, DuckDB)', () => {
  it.each(['jaffle-shop', 'dbt_utils'] as const)(
    '%s: every enabled test node has the unique id dbt-core gives it, --select <its name> selects exactly it, and our manifest.json is dbt v12 with dbt keys',
    (which) => {
      const work = tmpDir('edp-dbt-names-');
      const project = corpusProject(which, join(work, 'project'));
      runDbtCore(project, join(work, 'ref.duckdb'), join(work, 'dbt'), ['parse', '--profile', 'edp']);
      const theirs = json(join(work, 'dbt', 'target', 'manifest.json'));
      const theirTests = Object.values(theirs.nodes)
        .filter((n) => n.resource_type === 'test' && n.config.enabled)
        .map((n) => n.unique_id)
        .sort();
      const manifest = parseProject(project, { target: DEFAULT_TARGET });
      const ourTests = Object.values(manifest.nodes)
        .filter((n) => n.resourceType === 'test')
        .map((n) => n.id)
        .sort();
      expect(ourTests).toEqual(theirTests);
      for (const id of ourTests) expect(selectNodes(manifest, 'test', [manifest.nodes[id].name])).toEqual([id]);

      // Our target/manifest.json: dbt's schema, dbt's node ids and file checksums, nothing modified against dbt's.
      planProject(project, { command: 'build' });
      const ours = json(join(project, 'target', 'manifest.json'));
      expect(validate([['manifest_v12', join(project, 'target', 'manifest.json')]])).toMatch(/manifest_v12 valid/);
      expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
      const enabled = (m: Artifacts) =>
        Object.keys(m.nodes)
          .filter((id) => m.nodes[id].config.enabled)
          .sort();
      expect(enabled(ours)).toEqual(enabled(theirs));
      expect(Object.keys(ours.sources).sort()).toEqual(Object.keys(theirs.sources).sort());
      for (const id of enabled(ours)) {
        expect([id, Object.keys(ours.nodes[id]).sort()]).toEqual([id, Object.keys(theirs.nodes[id]).sort()]);
        expect([id, ours.nodes[id].checksum]).toEqual([id, theirs.nodes[id].checksum]);
        expect([id, [...ours.parent_map[id]].sort()]).toEqual([id, [...theirs.parent_map[id]].sort()]);
      }
      // depends_on.macros of models and of project and package macros, adapter.dispatch included (the engine
      // implements dbt's own `dbt` namespace differently, so those entries are not compared).
      const macroDeps = (deps: { macros: string[] }) => deps.macros.filter((id) => !id.startsWith('macro.dbt.')).sort();
      for (const id of enabled(theirs).filter((x) => theirs.nodes[x].resource_type === 'model'))
        expect([id, macroDeps(ours.nodes[id].depends_on)]).toEqual([id, macroDeps(theirs.nodes[id].depends_on)]);
      // The project's and its installed packages' macros (dbt-core also lists its adapters' own packages).
      const packages = new Set(Object.values(ours.macros).map((x) => x.package_name));
      packages.delete('dbt');
      const packageMacros = Object.keys(theirs.macros).filter((id) => packages.has(theirs.macros[id].package_name));
      expect(packageMacros.length).toBeGreaterThan(100);
      for (const id of packageMacros)
        expect([id, macroDeps(ours.macros[id].depends_on)]).toEqual([id, macroDeps(theirs.macros[id].depends_on)]);
      const state = readStateManifest(join(work, 'dbt', 'target'));
      expect(selectNodes(manifest, 'build', ['state:modified'], [], { state })).toEqual([]);
    },
    300_000,
  );

  it('state:modified+ with --state builds the changed model and its children; --defer reads the unbuilt parent from prod; run_results, catalog valid', async () => {
    const work = tmpDir('edp-dbt-slim-ci-');
    const dir = join(work, 'project');
    const files: Record<string, string> = {
      'dbt_project.yml': "name: slim\nversion: '1'\nprofile: edp\nmodels:\n  slim:\n    +materialized: table\n",
      'models/a.sql': 'select range as id from range(5)',
      'models/b.sql': "select id from {{ ref('a') }}",
      'models/c.sql': "select id from {{ ref('b') }}",
      'models/d.sql': "select id from {{ ref('a') }}",
      'models/_props.yml': [
        'models:',
        '  - name: c',
        '    columns:',
        '      - name: id',
        '        data_tests:',
        '          - not_null',
        '          - accepted_values:',
        '              values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]',
        '              quote: false',
      ].join('\n'),
    };
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    // Production and CI differ by target schema, as two dbt targets would: one worker each on one warehouse.
    const { config } = testConfig('it-dbt-slim-ci');
    const prodConfig = { ...config, transform: { ...config.transform, targetSchema: 'prod' } };
    const ciConfig = { ...config, transform: { ...config.transform, targetSchema: 'ci' } };
    const lines: string[] = [];
    const run = (c: typeof config, sub: string, o: Partial<DbtOptions>) =>
      dbtCommand(c, sub, { projectDir: dir, select: [], exclude: [], fullRefresh: false, noWait: false, ...o }, (m) =>
        lines.push(m),
      );
    const results = () =>
      json(join(dir, 'target', 'run_results.json'))
        .results.map((r) => `${r.unique_id} ${r.status}`)
        .sort();
    const longTest = 'accepted_values_c_id__False__0__1__2__3__4__5__6__7__8__9__10__11__12__13__14__15__16__17';
    const manifest = parseProject(dir, { target: DEFAULT_TARGET });
    const longNode = Object.values(manifest.nodes).find((n) => n.name === longTest)!;
    const testIds = Object.values(manifest.nodes)
      .filter((n) => n.resourceType === 'test')
      .map((n) => n.id);
    // dbt hashes a name of 64 characters or more into the alias: `<test>_<model>` (30 characters at most) and the md5.
    expect(longNode.config.alias).toBe(`accepted_values_c_${createHash('md5').update(longTest).digest('hex')}`);
    const prodRun = await withWorker(
      prodConfig,
      async () => {
        expect(await run(prodConfig, 'build', {})).toBe(0);
        const prod = results();
        mkdirSync(join(work, 'prev'));
        cpSync(join(dir, 'target', 'manifest.json'), join(work, 'prev', 'manifest.json'));
        // A test selected by its dbt name runs alone.
        expect(await run(prodConfig, 'test', { select: [longTest] })).toBe(0);
        return { prod, oneTest: results() };
      },
      () => {},
    );
    writeFileSync(join(dir, 'models', 'b.sql'), "select id, 'changed' as note from {{ ref('a') }}");
    const slim = await withWorker(
      ciConfig,
      async () => {
        const ci = { state: join(work, 'prev'), select: ['state:modified+'] };
        expect(await run(ciConfig, 'build', { ...ci, defer: true })).toBe(0);
        const built = results();
        expect(await dbtDocsGenerate(ciConfig, { projectDir: dir }, (m) => lines.push(m))).toBe(0);
        return built;
      },
      () => {},
    );
    expect(prodRun.prod).toHaveLength(6);
    expect(prodRun.prod.every((r) => / (success|pass)$/.test(r))).toBe(true);
    expect(prodRun.oneTest).toEqual([`${longNode.id} pass`]);
    expect(slim).toEqual(['model.slim.b success', 'model.slim.c success', ...testIds.map((id) => `${id} pass`)].sort());
    // b was built in the CI schema from prod's a (never built in CI), as dbt's --defer does.
    const w = await DuckDbWarehouse.open({ path: config.warehouse.duckdb.path });
    try {
      const tables = await w.query<{ t: string }>(
        "select table_schema || '.' || table_name as t from information_schema.tables where table_schema in ('ci', 'prod') order by 1",
      );
      expect(tables.map((r) => r.t)).toEqual(['ci.b', 'ci.c', 'prod.a', 'prod.b', 'prod.c', 'prod.d']);
      expect(await w.query('select count(*)::int as n, min(note) as note from ci.b')).toEqual([
        { n: 5, note: 'changed' },
      ]);
    } finally {
      await w.close();
    }
    const catalog = json(join(dir, 'target', 'catalog.json'));
    expect(catalog.nodes['model.slim.b'].columns).toMatchObject({
      id: { name: 'id', index: 1 },
      note: { name: 'note', index: 2, type: 'VARCHAR' },
    });
    expect(catalog.nodes['model.slim.a']).toBeUndefined(); // ci.a was never built
    expect(
      validate([
        ['manifest_v12', join(dir, 'target', 'manifest.json')],
        ['run_results_v6', join(dir, 'target', 'run_results.json')],
        ['catalog_v1', join(dir, 'target', 'catalog.json')],
      ]),
    ).toBe('manifest_v12 valid\nrun_results_v6 valid\ncatalog_v1 valid\n');
    expect(existsSync(join(work, 'prev', 'manifest.json'))).toBe(true);
  }, 600_000);

  it('edp dbt run-results <workflow id> writes run_results.json of a run started with --no-wait, once it has ended', async () => {
    const work = tmpDir('edp-dbt-no-wait-');
    const dir = oneModelProject(join(work, 'project'), 'nowait');
    const { config } = testConfig('it-dbt-no-wait');
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    const opts = { projectDir: dir, select: [], exclude: [], fullRefresh: false, noWait: true };
    const code = await withWorker(
      config,
      async () => {
        expect(await dbtCommand(config, 'build', opts, log)).toBe(0);
        const workflowId = /^Started build of .* as (\S+)$/.exec(lines[0])?.[1];
        expect(workflowId).toMatch(/^edp-dbt-build-/);
        expect(existsSync(join(dir, 'target', 'run_results.json'))).toBe(false);
        return dbtRunResults(config, { workflowId: workflowId!, projectDir: dir }, log);
      },
      () => {},
    );
    expect(code).toBe(0);
    const results = json(join(dir, 'target', 'run_results.json')).results.map((r) => `${r.unique_id} ${r.status}`);
    expect(results).toEqual(['model.nowait.n success']);
    expect(validate([['run_results_v6', join(dir, 'target', 'run_results.json')]])).toBe('run_results_v6 valid\n');
  }, 300_000);
  it("edp dbt run-results <workflow id> writes the run's own stored copy (compiled_code, relation_name) when this host reads it, else the workflow's result, and says which", async () => {
    const work = tmpDir('edp-dbt-stored-rr-');
    const dir = oneModelProject(join(work, 'project'), 'storedrr');
    // The run cannot write the project's target/run_results.json (a folder stands there): it keeps its copy by id.
    mkdirSync(join(dir, 'target', 'run_results.json'), { recursive: true });
    writeFileSync(join(dir, 'target', 'run_results.json', 'x'), '');
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'dbt_project.yml'), "name: elsewhere\nversion: '1'\nprofile: edp\n");
    const { config } = testConfig('it-dbt-stored-rr');
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    const opts = { projectDir: dir, select: [], exclude: [], fullRefresh: false, noWait: true };
    let workflowId = '';
    await withWorker(
      config,
      async () => {
        expect(await dbtCommand(config, 'build', opts, log)).toBe(0);
        workflowId = /^Started build of .* as (\S+)$/.exec(lines[0])?.[1] ?? '';
        expect(await dbtRunResults(config, { workflowId, projectDir: elsewhere }, log)).toBe(0);
      },
      () => {},
    );
    const copy = join(config.stateDir, 'run_results', `${workflowId}.json`);
    const file = join(elsewhere, 'target', 'run_results.json');
    expect(lines.at(-1)).toBe(
      `Wrote ${file}: the run's own copy ${copy}, with compiled_code and relation_name (1 nodes, 0 failed)`,
    );
    const [n] = json(file).results;
    expect(n.timing.map((t) => t.name)).toEqual(['compile', 'execute']);
    expect(n.compiled_code).toMatch(/^select range as id from range\(3\)$/);
    expect(n.relation_name).toMatch(/"main"\."n"$/);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(copy, 'utf8'));

    // The copy gone (as on another host): the results from the workflow's result, and the reason.
    rmSync(copy);
    await withWorker(
      config,
      () => dbtRunResults(config, { workflowId, projectDir: elsewhere }, log),
      () => {},
    );
    expect(lines.at(-1)).toBe(
      `Wrote ${file} from the workflow's result, without compiled_code or relation_name: ${copy} is not on this host (1 nodes, 0 failed)`,
    );
    expect(json(file).results.map((r) => [r.unique_id, r.status, r.compiled_code, r.relation_name])).toEqual([
      ['model.storedrr.n', 'success', null, null],
    ]);
    expect(validate([['run_results_v6', file]])).toBe('run_results_v6 valid\n');
  }, 300_000);
  it('a --no-wait build writes its own run_results.json: dbt-artifacts-parser valid, unique ids, statuses and failures as dbt-core', async () => {
    const work = tmpDir('edp-dbt-run-results-');
    const dir = join(work, 'project');
    const files: Record<string, string> = {
      'dbt_project.yml': "name: rr\nversion: '1.0.0'\nprofile: edp\n",
      'seeds/people.csv': 'id,name\n1,a\n2,b\n3,\n',
      'models/base.sql': "select id, name from {{ ref('people') }}",
      'models/child.sql': "select id from {{ ref('base') }}",
      'models/_props.yml': [
        'models:',
        '  - name: base',
        '    columns:',
        '      - name: id',
        '        data_tests: [unique]',
        '      - name: name',
        '        data_tests:',
        '          - not_null',
        '          - accepted_values:',
        "              values: ['a']",
        '              config:',
        '                severity: warn',
      ].join('\n'),
    };
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    // dbt-core exits 1 on the failing test; its run_results.json is the reference.
    expect(() => runDbtCore(dir, join(work, 'ref.duckdb'), join(work, 'dbt'), ['build'])).toThrow(
      /PASS=3 WARN=1 ERROR=1 SKIP=1/,
    );
    const theirs = json(join(work, 'dbt', 'target', 'run_results.json'));
    const { config } = testConfig('it-dbt-run-results-own');
    const lines: string[] = [];
    const opts = { projectDir: dir, select: [], exclude: [], fullRefresh: false, noWait: true };
    const result = await withWorker(
      config,
      async () => {
        expect(await dbtCommand(config, 'build', opts, (m) => lines.push(m))).toBe(0);
        const workflowId = /^Started build of .* as (\S+)$/.exec(lines[0])?.[1];
        const { client, close } = await testClient(config);
        try {
          return (await client.workflow.getHandle(workflowId!).result()) as TransformResult;
        } finally {
          await close();
        }
      },
      () => {},
    );
    const file = join(dir, 'target', 'run_results.json');
    expect(result.runResults).toEqual({ file });
    const ours = json(file);
    const summary = (a: Artifacts) => a.results.map((r) => `${r.unique_id} ${r.status} ${r.failures}`).sort();
    expect(summary(ours)).toEqual(summary(theirs));
    expect(summary(ours)).toHaveLength(6);
    for (const r of ours.results.filter((x) => x.status !== 'skipped'))
      expect([r.unique_id, r.timing.map((t) => t.name)]).toEqual([r.unique_id, ['compile', 'execute']]);
    expect(ours.results.find((r) => r.unique_id === 'model.rr.base')?.compiled_code).toMatch(
      /^select id, name from \S*"people"$/,
    );
    expect(validate([['run_results_v6', file]])).toBe('run_results_v6 valid\n');
  }, 300_000);
});
