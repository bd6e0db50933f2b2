import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DbtCommand } from '../activities/transform';
import type { EdpConfig } from '../workers/config-schema';
import { dbtWorkflowId } from '../lib/ids';
import { startOptions, transformInput } from '../workers/workflow-inputs';
import { transform } from '../workflows';
import type { ModelOutcome, TransformProgress, TransformResult } from '../workflows/transform';
import { resultOrCause } from './failure-chain';
import { webUiLink } from './pipeline-run';
import { interruptibleWait } from './run-wait';
import { temporalClient, UsageError } from './session';

const COMMANDS: readonly DbtCommand[] = ['build', 'run', 'test', 'seed', 'snapshot', 'compile'];

/** Options of `edp dbt`, as parsed from the command line. */
export interface DbtOptions {
  projectDir?: string;
  select: string[];
  exclude: string[];
  vars?: string;
  fullRefresh: boolean;
  /** `--store-failures` (test and build): tests that configure neither store_failures nor store_failures_as store theirs. */
  storeFailures?: boolean;
  threads?: number;
  noWait: boolean;
  /** `--state DIR`: an earlier run's target/ (ours or dbt-core's manifest.json). */
  state?: string;
  /** `--defer`: read unselected nodes from the state's relations. */
  defer?: boolean;
}

/** Reads `--vars` as YAML or JSON (dbt accepts both). */
export function parseVars(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  const v = parseYaml(text) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new UsageError(`--vars must be a mapping, e.g. '{as_of_date: 2026-01-01}'`);
  return v as Record<string, unknown>;
}

const VERB: Record<string, string> = {
  model: 'model',
  seed: 'seed file',
  snapshot: 'snapshot',
  test: 'test',
  unit_test: 'unit test',
};

/** One dbt-like line per finished node: `3 of 115 OK created model staging.stg_claims ... [500 rows in 0.12s]`. */
function describe(n: ModelOutcome, index: number, total: number): string {
  const status = {
    success: n.type === 'test' || n.type === 'unit_test' ? 'PASS' : 'OK',
    warn: 'WARN',
    fail: 'FAIL',
    error: 'ERROR',
    skipped: 'SKIP',
  }[n.status];
  const rows =
    n.rows === undefined
      ? ''
      : n.type === 'test' || n.type === 'unit_test'
        ? `${n.rows} failing`
        : `${n.rows.toLocaleString('en-US')} rows`;
  const time = n.durationMs === undefined ? '' : `${(n.durationMs / 1000).toFixed(2)}s`;
  const detail = [rows, time].filter(Boolean).join(' in ');
  const head = `${String(index).padStart(String(total).length)} of ${total} ${status.padEnd(5)} ${VERB[n.type] ?? n.type} ${n.model}`;
  const tail = n.status === 'error' || n.status === 'fail' || n.status === 'warn' ? `\n      ${n.error ?? ''}` : '';
  return `${head}${detail ? ` [${detail}]` : ''}${tail}`;
}

/** dbt's closing line: `Done. PASS=111 WARN=4 ERROR=0 SKIP=0 TOTAL=115`. */
export function summaryLine(nodes: readonly ModelOutcome[]): string {
  const count = (pred: (n: ModelOutcome) => boolean) => nodes.filter(pred).length;
  return `Done. PASS=${count((n) => n.status === 'success')} WARN=${count((n) => n.status === 'warn')} ERROR=${count(
    (n) => n.status === 'error' || n.status === 'fail',
  )} SKIP=${count((n) => n.status === 'skipped')} TOTAL=${nodes.length}`;
}

/**
 * `edp dbt <command>`: `compile` parses and compiles here (reading the warehouse, no Temporal); the others start
 * the durable `transform` workflow and print each node as it finishes.
 */
export async function dbtCommand(
  config: EdpConfig,
  sub: string | undefined,
  opts: DbtOptions,
  log: (m: string) => void,
): Promise<number> {
  if (!sub || !COMMANDS.includes(sub as DbtCommand)) {
    throw new UsageError(
      `dbt needs a command: edp dbt ${COMMANDS.join('|')} [--project-dir DIR] [--select …] [--exclude …]`,
    );
  }
  const command = sub as DbtCommand;
  if (opts.storeFailures && command !== 'test' && command !== 'build')
    throw new UsageError(`--store-failures applies to edp dbt test and edp dbt build, not ${command}`);
  const projectDir = resolve(opts.projectDir ?? config.transform.projectDir);
  const vars = parseVars(opts.vars);
  const started = Date.now();
  if (command === 'compile') {
    const { dbtCompile } = await import('./dbt-compile');
    return dbtCompile(config, { projectDir, select: opts.select, exclude: opts.exclude, vars }, log);
  }
  const { client, close } = await temporalClient(config);
  try {
    const workflowId = dbtWorkflowId(command, new Date(), randomBytes(2).toString('hex'));
    const input = transformInput(config, {
      projectDir,
      command,
      select: opts.select,
      exclude: opts.exclude,
      vars,
      fullRefresh: opts.fullRefresh,
      ...(opts.storeFailures ? { storeFailures: true } : {}),
      threads: opts.threads,
      ...(opts.state ? { state: resolve(opts.state), defer: opts.defer } : {}),
    });
    const handle = await client.workflow.start(transform, startOptions(config, workflowId, input));
    log(`Started ${command} of ${projectDir} as ${workflowId}`);
    log(`  ${webUiLink(config, workflowId, handle.firstExecutionRunId)}`);
    if (opts.noWait) return 0;
    const result = handle.result();
    let done = false;
    void result.finally(() => (done = true)).catch(() => undefined);
    const printed = new Set<string>();
    let total = 0;
    const show = (nodes: readonly ModelOutcome[]) => {
      for (const n of nodes) {
        if (printed.has(n.id)) continue;
        printed.add(n.id);
        log(describe(n, printed.size, total));
      }
    };
    const r: TransformResult = await interruptibleWait(
      config,
      () => [workflowId],
      async () => {
        while (!done) {
          try {
            const p: TransformProgress = await handle.query('progress');
            total = p.planned;
            show(p.done);
          } catch {
            /* not planned yet */
          }
          await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 250))]);
        }
        return resultOrCause(command, result);
      },
    );
    total = r.models.length;
    show(r.models);
    // The run writes run_results.json itself; here only when it could not write this host's project (an older
    // worker, a worker on another host, a target/ it could not write).
    if (!(r.runResults?.file && existsSync(r.runResults.file))) {
      const { writeRunResults } = await import('../activities/transform');
      writeRunResults(projectDir, r.models, {
        command,
        startedAt: new Date(started),
        args: {
          select: opts.select,
          exclude: opts.exclude,
          full_refresh: opts.fullRefresh,
          ...(opts.storeFailures ? { store_failures: true } : {}),
        },
      });
    }
    for (const h of r.hooks ?? []) {
      const time = h.durationMs === undefined ? '' : ` in ${(h.durationMs / 1000).toFixed(2)}s`;
      log(h.status === 'success' ? `${h.kind}: OK (${h.hooks} hooks${time})` : `${h.kind}: ERROR\n      ${h.error}`);
    }
    for (const x of r.notRun ?? []) log(`Not run by edp: ${x.kind} ${x.name} (${x.path}): ${x.reason}`);
    log('');
    log(`Finished in ${((Date.now() - started) / 1000).toFixed(2)}s. ${summaryLine(r.models)}`);
    return r.failed > 0 ? 1 : 0;
  } finally {
    await close();
  }
}
