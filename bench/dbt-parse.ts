/**
 * Benchmark: parsing and compiling a dbt project, ours against `dbt parse` (dbt-core + dbt-duckdb, the pinned
 * ones infra/install.ts installs), on the transform bench's generated project (default 100 models, their
 * tests, three seeds and a source), in the same run, paired rounds in alternating order:
 * - `dbt parse --no-partial-parse`, timed from spawn to exit, and its own parse time (target/perf_info.json's
 *   `load_all_elapsed`, without the interpreter's start-up);
 * - `edp dbt compile` as users run it (a new process: Node's start-up, the config, parse, render every node's
 *   SQL into target/compiled/), with a warehouse file that does not exist yet (nothing is read, as `dbt parse`);
 * - the same parse + compile in this process (planProject + compileProject), without the process start-up.
 * dbt's `parse` only parses; ours also renders every node, so the comparison favours dbt.
 *
 * Run by hand: npx tsx bench/dbt-parse.ts [--models 100] [--repeat 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { compileProject, DEFAULT_TARGET, planProject } from '../activities/transform';
import { ensureDbt } from '../infra/install';
import { loadAverage, loadNote, machine, spread } from './figures';
import { dbtDir, projectDir } from './transform/paths';
import { generateModels, writeProject } from './transform/project';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '5' },
  },
});
const ROOT = join(__dirname, '..');
const edpDir = join(dbtDir, '..', 'edp-parse');

/** `dbt parse` from scratch: wall ms (spawn → exit) and dbt's own parse ms. */
function dbtParse(dbt: string): { wallMs: number; parseMs: number } {
  const target = join(dbtDir, 'target');
  rmSync(target, { recursive: true, force: true });
  const env = { ...process.env, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' };
  const args = ['parse', '--no-partial-parse', '--project-dir', projectDir, '--profiles-dir', dbtDir];
  const t = performance.now();
  const r = spawnSync(dbt, [...args, '--target-path', target, '--log-path', join(dbtDir, 'logs')], {
    cwd: dbtDir,
    env,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`dbt parse exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const perf = JSON.parse(readFileSync(join(target, 'perf_info.json'), 'utf8')) as { load_all_elapsed: number };
  return { wallMs, parseMs: perf.load_all_elapsed * 1000 };
}

/** `edp dbt compile` as a new process: wall ms and the number of nodes it compiled. */
function edpCompile(): { wallMs: number; nodes: number } {
  rmSync(join(projectDir, 'target'), { recursive: true, force: true });
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'edp.js'), 'dbt', 'compile', '--project-dir', projectDir, '--config', join(edpDir, 'edp.yaml')],
    { cwd: edpDir, encoding: 'utf8', env: { ...process.env, EDP_LOG_LEVEL: 'ERROR' } },
  );
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`edp dbt compile exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const nodes = Number(/Compiled (\d+) nodes/.exec(r.stdout)?.[1] ?? 0);
  if (!nodes) throw new Error(`edp dbt compile compiled nothing:\n${r.stdout}`);
  return { wallMs, nodes };
}

/** planProject + compileProject in this process (no warehouse: nothing built yet). */
async function inProcess(): Promise<number> {
  rmSync(join(projectDir, 'target'), { recursive: true, force: true });
  const t = performance.now();
  const { manifest, plan } = planProject(projectDir, { command: 'compile' }, DEFAULT_TARGET);
  await compileProject(
    undefined,
    manifest,
    plan.nodes.map((n) => n.id),
  );
  return performance.now() - t;
}

async function main(): Promise<void> {
  const repeat = Number(values.repeat);
  const models = generateModels(Number(values.models));
  writeProject(models);
  mkdirSync(dbtDir, { recursive: true });
  mkdirSync(edpDir, { recursive: true });
  const dbt = ensureDbt(undefined, (m) => console.log(`  ${m}`));
  const duckdb = join(edpDir, 'not-built-yet.duckdb');
  writeFileSync(
    join(dbtDir, 'profiles.yml'),
    stringify({ bench: { target: 'dev', outputs: { dev: { type: 'duckdb', path: duckdb, threads: 1 } } } }),
  );
  writeFileSync(
    join(edpDir, 'edp.yaml'),
    stringify({ stateDir: join(edpDir, 'state'), warehouse: { engine: 'duckdb', duckdb: { path: duckdb } } }),
  );
  console.log(`machine: ${machine()}`);
  console.log(`project: ${models.length} models (${projectDir}); ${repeat} paired rounds, order alternating`);

  const fig = { dbtWall: [] as number[], dbtParse: [] as number[], edpWall: [] as number[], inProc: [] as number[] };
  const ratios = { wall: [] as number[], inProc: [] as number[] };
  // One untimed pass of each, so neither pays for a cold file cache.
  dbtParse(dbt);
  edpCompile();
  for (let round = 1; round <= repeat; round++) {
    const before = loadAverage();
    const runDbt = () => dbtParse(dbt);
    const runEdp = async () => ({ cli: edpCompile(), inProc: await inProcess() });
    let d: ReturnType<typeof dbtParse>;
    let e: Awaited<ReturnType<typeof runEdp>>;
    if (round % 2) {
      d = runDbt();
      e = await runEdp();
    } else {
      e = await runEdp();
      d = runDbt();
    }
    fig.dbtWall.push(d.wallMs);
    fig.dbtParse.push(d.parseMs);
    fig.edpWall.push(e.cli.wallMs);
    fig.inProc.push(e.inProc);
    ratios.wall.push(e.cli.wallMs / d.wallMs);
    ratios.inProc.push(e.inProc / d.parseMs);
    console.log(
      `round ${round}: dbt parse ${(d.wallMs / 1000).toFixed(2)} s (its parse ${(d.parseMs / 1000).toFixed(2)} s); ` +
        `edp dbt compile ${(e.cli.wallMs / 1000).toFixed(2)} s (${e.cli.nodes} nodes); in-process parse + compile ${(e.inProc / 1000).toFixed(2)} s; ` +
        `${loadNote(before, loadAverage())}`,
    );
  }
  const s = (xs: number[]) => spread(xs.map((x) => x / 1000));
  console.log(`dbt parse, spawn → exit (s):          ${s(fig.dbtWall)}`);
  console.log(`dbt's own parse (perf_info, s):       ${s(fig.dbtParse)}`);
  console.log(`edp dbt compile, spawn → exit (s):    ${s(fig.edpWall)}`);
  console.log(`ours in-process parse + compile (s):  ${s(fig.inProc)}`);
  console.log(`ratio edp dbt compile / dbt parse (wall):         ${spread(ratios.wall)}`);
  console.log(`ratio in-process parse + compile / dbt's parse:   ${spread(ratios.inProc)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
