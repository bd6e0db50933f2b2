/**
 * Benchmark: how long `edp` takes to answer, per command, from process start to exit (median, min and max
 * of N runs): help and usage errors (targets 0.3 s), a command that loads the config, `edp query` on a
 * fresh DuckDB file (0.5 s) and `edp dbt compile` of a project (its start-up should be a small share).
 * With --baseline it also times the same commands run through tsx, as bin/edp.js did before the
 * transpile cache. Uses its own state folder; needs no service.
 *
 * Run by hand: npx tsx bench/cli-startup.ts [--runs 20] [--project-dir models] [--baseline]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    'project-dir': { type: 'string', default: join(ROOT, 'models') },
    baseline: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const state = join(ROOT, '.edp', 'bench', 'cli-startup');

const CASES: Array<{ label: string; args: string[]; exit: number }> = [
  { label: 'edp --help', args: ['--help'], exit: 0 },
  { label: 'edp nosuch (unknown command)', args: ['nosuch'], exit: 2 },
  { label: 'edp run --bogus (unknown option)', args: ['run', '--bogus'], exit: 2 },
  { label: 'edp run (no --interval; loads the config)', args: ['run'], exit: 2 },
  { label: 'edp query "select 42"', args: ['query', 'select 42'], exit: 0 },
  { label: 'edp dbt compile', args: ['dbt', 'compile', '--project-dir', values['project-dir']], exit: 0 },
];

/** How each command line is started: as users do (bin/edp.js), or through tsx as before. */
const LAUNCHERS: Array<{ name: string; argv: (args: string[]) => string[] }> = [
  { name: 'bin/edp.js', argv: (args) => [join(ROOT, 'bin', 'edp.js'), ...args] },
  ...(values.baseline
    ? [
        {
          name: 'tsx (before)',
          argv: (args: string[]) => ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), ...args],
        },
      ]
    : []),
];

function timeOnce(argv: string[], exit: number): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, EDP_STATE_DIR: state },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== exit) throw new Error(`${argv.join(' ')} exited ${r.status}, expected ${exit}: ${r.stderr}`);
  return ms;
}

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  const f = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
  return `median ${f(median)}  min ${f(s[0])}  max ${f(s[s.length - 1])}`;
};

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

rmSync(state, { recursive: true, force: true });
mkdirSync(state, { recursive: true });
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `node ${process.version}; load average ${load()}; ${runs} runs per command`,
);
for (const launcher of LAUNCHERS) {
  timeOnce(launcher.argv(['--help']), 0); // fills the transpile cache if a source changed since the last run
  console.log(`\n${launcher.name}`);
  for (const c of CASES) {
    const times = Array.from({ length: runs }, () => timeOnce(launcher.argv(c.args), c.exit));
    console.log(`  ${c.label.padEnd(44)} ${stats(times)}`);
  }
}
console.log(`\nload average after: ${load()}`);
rmSync(state, { recursive: true, force: true });
