import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbtDir, dbtFile, projectDir } from './paths';
import { freshWarehouse } from './source-data';

/** What one `dbt build` took, from the outside and from its own records. */
export interface DbtRun {
  ms: number;
  summary: string;
  counts: { pass: number; warn: number; error: number; skip: number; total: number };
  /** run_results.json: the run loop's elapsed time and node execution time by resource type. */
  elapsedMs: number;
  nodeMs: Record<string, number>;
  /** From logs/dbt.log: spawn → first log line (interpreter, imports) and that → "Found N models" (profile, adapter, parse). */
  startupMs?: number;
  parseMs?: number;
}

/** `dbt build` as a child process, timed from spawn to exit. */
export async function runDbt(dbt: string): Promise<DbtRun> {
  const target = join(dbtDir, 'target');
  rmSync(target, { recursive: true, force: true });
  rmSync(join(dbtDir, 'logs'), { recursive: true, force: true });
  const w = await freshWarehouse(dbtFile);
  await w.close();
  const args = ['build', '--project-dir', projectDir, '--profiles-dir', dbtDir, '--target-path', target];
  args.push('--log-path', join(dbtDir, 'logs'));
  const env = { ...process.env, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_USE_COLORS: 'false' };
  const spawnedAt = new Date();
  const t = performance.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(dbt, args, { cwd: dbtDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, out: text }));
  });
  const ms = performance.now() - t;
  writeFileSync(join(dbtDir, 'dbt-build.out'), out);
  const line = /PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)(?: NO-OP=\d+)? TOTAL=(\d+)/.exec(out);
  if (code !== 0 || !line) {
    throw new Error(
      `dbt build exited with ${code}; see ${join(dbtDir, 'dbt-build.out')}:\n${out.split('\n').slice(-30).join('\n')}`,
    );
  }
  const [pass, warn, error, skip, total] = line.slice(1).map(Number);
  const results = JSON.parse(readFileSync(join(target, 'run_results.json'), 'utf8')) as {
    elapsed_time: number;
    results: Array<{ unique_id: string; execution_time: number }>;
  };
  const nodeMs: Record<string, number> = {};
  for (const res of results.results) {
    const type = res.unique_id.split('.')[0];
    nodeMs[type] = (nodeMs[type] ?? 0) + res.execution_time * 1000;
  }
  const { startupMs, parseMs } = dbtLogPhases(join(dbtDir, 'logs', 'dbt.log'), spawnedAt, ms);
  return {
    startupMs,
    parseMs,
    ms,
    summary: line[0],
    counts: { pass, warn, error, skip, total },
    elapsedMs: results.elapsed_time * 1000,
    nodeMs,
  };
}

/** Phases of a dbt invocation from its debug log's local-time stamps (HH:MM:SS.ffffff). */
function dbtLogPhases(file: string, spawnedAt: Date, wallMs: number): { startupMs?: number; parseMs?: number } {
  const text = readFileSync(file, 'utf8');
  const at = (re: RegExp) => {
    const m = new RegExp(`^(\\d\\d):(\\d\\d):(\\d\\d\\.\\d+) \\[[a-z]+ *\\] \\[MainThread\\]: ${re.source}`, 'm').exec(
      text,
    );
    return m ? (Number(m[1]) * 60 + Number(m[2])) * 60_000 + Number(m[3]) * 1000 : undefined;
  };
  const first = at(/Running with dbt=/);
  const found = at(/Found \d+ models/);
  const spawned =
    ((spawnedAt.getHours() * 60 + spawnedAt.getMinutes()) * 60 + spawnedAt.getSeconds()) * 1000 +
    spawnedAt.getMilliseconds();
  const startupMs = first === undefined ? undefined : first - spawned;
  return {
    startupMs: startupMs !== undefined && startupMs >= 0 && startupMs <= wallMs ? startupMs : undefined,
    parseMs: first !== undefined && found !== undefined ? found - first : undefined,
  };
}
