import { parseArgs } from 'node:util';
import {
  installServices,
  serviceNames,
  serviceStatus,
  startService,
  stopService,
  type ServiceName,
} from '../infra/services';
import type { EdpConfig } from '../lib/config/schema';
import { pipelineWorkflowId } from '../lib/ids';
import { describeInterval, intervalEndingAt, parseInterval, type DataInterval } from '../lib/intervals';
import { loadConfig, type LoadedConfig } from '../workers/config';
import { runWorker } from '../workers/worker';
import { CliError, readWarehouse, temporalClient, UsageError, withWorker } from './session';
import { num, progress, table } from './output';
import { backfill } from './backfill-command';
import { qualityReport, qualityRun } from './quality-commands';
import { schedulesApply, schedulesShow } from './schedule-commands';
import { printSummary, startPipeline, watchPipeline } from './pipeline-run';
import { DEFAULT_SAMPLE, writeSampleFiles, writeSampleSources } from './sample-files';
import { liveWorker, startWorkerDaemon, stopWorkerDaemon, workerDaemonPid, workerLog } from './worker-daemon';

const HELP = `edp — EDP Pipelines: the data platform's pipelines on Temporal

Usage: edp <command> [options]      (every command takes --config FILE; default ./edp.config.yaml)

  start [--once] [--interval S/E]   install and start the services and a worker, generate sample data and run
  demo                              the pipeline end to end; --once (default when CI is set) exits afterwards
  up [--services-only]              start Temporal (Web UI) and Kafka, and a background worker
  down                              stop the background worker and the services
  status                            services, worker and the latest pipeline runs
  install                           install the service binaries into the cache, start nothing
  worker                            run a worker in the foreground (Ctrl-C stops it cleanly)
  run --interval S/E [--no-wait]    run platformPipeline for one data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z
  generate --interval S/E [--seed N --members N --claims N --dirt F --only A,B --skip A,B]
                                    write an interval's sample landing files and operational rows (edp generate --help)
  query "<sql>" [--json]            query the warehouse (through the worker when one holds the DuckDB file)
  schedules apply | show            create or update the Temporal Schedule that runs the pipeline every interval
  backfill --from T --to T [--mode missing|failed|all] [--concurrency N] [--dry-run]
                                    run the intervals in [from, to) the mode selects (default missing, concurrency 2)
  quality run [--table S.T ...] [--interval S/E]
                                    run the data-quality rules (all, or for the given tables); exit 1 on an error
  quality report [--run RUN_ID]     the results of a quality run (default the latest); exit 1 if it failed
`;

/** Longer help for commands with many options: `edp <command> --help`. */
const COMMAND_HELP: Record<string, string> = {
  generate: `edp generate --interval S/E [options]

Writes one data interval of deterministic sample data for the healthcare domain:
landing files (members, providers, claims, claim_lines, accumulators as CSV; eligibility as
NDJSON) where the config's entities expect them, and plans plus claim status changes into each
local PostgreSQL source. The same seed and interval always give the same data.

  --interval S/E   the data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z (required)
  --seed N         random seed (default ${DEFAULT_SAMPLE.seed})
  --members N      members (default ${DEFAULT_SAMPLE.members})
  --claims N       claims in the interval, a few to millions (default ${DEFAULT_SAMPLE.claimsPerInterval}); each has 1-3 lines
  --dirt F         share of rows, 0-1, with one realistic defect (default ${DEFAULT_SAMPLE.dirt}): missing mandatory
                   key, wrong type, extra column, malformed CSV line, bad encoding (a latin-1 byte),
                   unknown foreign key, duplicate record; truncated JSON lines in eligibility
  --only A,B       only these entities / sources (a late-arriving file: generate it on its own later)
  --skip A,B       all but these (e.g. --skip claims to leave the claims file late)
`,
};

type Opts = Record<string, string | boolean | string[] | undefined>;

function log(message: string): void {
  console.log(message);
}

async function query(config: EdpConfig, sql: string, json: boolean): Promise<number> {
  const rows = await readWarehouse(config, sql);
  console.log(json ? JSON.stringify(rows, null, 2) : table(rows));
  return 0;
}

async function startServices(config: EdpConfig): Promise<ServiceName[]> {
  const before = await serviceStatus(config);
  for (const name of serviceNames(config)) await startService(config, name, log);
  return before.filter((s) => !s.running).map((s) => s.name);
}

async function runInterval(config: EdpConfig, interval: DataInterval, since: number): Promise<boolean> {
  const { client, close } = await temporalClient(config);
  try {
    const handle = await startPipeline(client, config, interval);
    progress(since, `started ${handle.workflowId} for ${describeInterval(interval)}`);
    const result = await watchPipeline(client, handle, interval, since);
    const { runId } = await handle.describe();
    printSummary(config, result, handle.workflowId, runId);
    return result.status === 'succeeded';
  } finally {
    await close();
  }
}

/** Resolves on Ctrl-C or SIGTERM, keeping the process alive until then (signal handlers alone do not). */
function untilSignal(): Promise<void> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  return new Promise((resolve) => {
    const done = (): void => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

async function demo(loaded: LoadedConfig, opts: Opts): Promise<number> {
  const { config } = loaded;
  const since = Date.now();
  const once = opts.once === true || Boolean(process.env.CI);
  progress(since, `config: ${loaded.file ?? 'built-in defaults'}; state in ${config.stateDir}`);
  const started = await startServices(config);
  const interval = opts.interval
    ? parseInterval(String(opts.interval))
    : intervalEndingAt(new Date(), config.pipeline.intervalHours);
  const files = writeSampleFiles(config, interval, DEFAULT_SAMPLE);
  const rows = await writeSampleSources(config, interval, DEFAULT_SAMPLE.seed);
  progress(
    since,
    `generated ${files.length} sample landing files for ${describeInterval(interval)} in ${config.landing.path}` +
      (config.sources.length > 0 ? ` and ${num(rows)} new rows in the operational database` : ''),
  );
  let ok = false;
  let startedWorker = false;
  if (once) {
    ok = await withWorker(config, () => runInterval(config, interval, since), log);
  } else {
    if (!liveWorker(config)) {
      const w = await startWorkerDaemon(config, loaded.file);
      progress(since, `worker started in the background (pid ${w.pid}), log ${workerLog(config)}`);
      startedWorker = true;
    }
    ok = await runInterval(config, interval, since);
    console.log(`\nEverything is up: Web UI ${config.temporal.uiUrl}  ·  Ctrl-C stops what this command started.`);
    await untilSignal();
    console.log('\nstopping…');
  }
  if (startedWorker) await stopWorkerDaemon(config);
  for (const name of [...started].reverse()) await stopService(config, name);
  if (started.length > 0)
    progress(
      since,
      `stopped what this command started: ${[...(startedWorker ? ['worker'] : []), ...started].join(', ')}`,
    );
  return ok ? 0 : 1;
}

async function status(config: EdpConfig): Promise<number> {
  const services = await serviceStatus(config);
  const worker = liveWorker(config);
  console.log(
    table([
      ...services.map((s) => ({
        service: s.name,
        state: s.running ? `running (pid ${s.pid})` : s.reachable ? 'reachable (not ours)' : 'stopped',
        endpoint: s.endpoint,
        log: s.logFile,
      })),
      {
        service: 'worker',
        state: worker ? `running (pid ${worker.pid})` : 'stopped',
        endpoint: worker ? `query 127.0.0.1:${worker.port}` : '',
        log: workerLog(config),
      },
    ]),
  );
  if (!services[0].reachable) return 0;
  const { client, close } = await temporalClient(config);
  try {
    const runs: Array<Record<string, unknown>> = [];
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'platformPipeline'`, pageSize: 10 })) {
      runs.push({
        workflow: wf.workflowId,
        status: wf.status.name,
        started: wf.startTime.toISOString(),
        closed: wf.closeTime?.toISOString() ?? '',
      });
      if (runs.length >= 10) break;
    }
    console.log(`\nLatest pipeline runs (Web UI ${config.temporal.uiUrl}):\n${table(runs)}`);
  } finally {
    await close();
  }
  return 0;
}

function requireInterval(opts: Opts): DataInterval {
  if (typeof opts.interval !== 'string')
    throw new UsageError('--interval <start>/<end> is required, e.g. --interval 2026-01-01T04:00Z/2026-01-01T08:00Z');
  return parseInterval(opts.interval);
}

function intOpt(opts: Opts, key: string, fallback: number): number {
  const v = opts[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${key} must be a non-negative number, got "${String(v)}"`);
  return n;
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        once: { type: 'boolean' },
        interval: { type: 'string' },
        json: { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        'services-only': { type: 'boolean' },
        seed: { type: 'string' },
        members: { type: 'string' },
        claims: { type: 'string' },
        dirt: { type: 'string' },
        only: { type: 'string' },
        skip: { type: 'string' },
        table: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
        mode: { type: 'string' },
        concurrency: { type: 'string' },
        'dry-run': { type: 'boolean' },
        run: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; see edp --help`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (!command || values.help || command === 'help') {
    console.log((command && COMMAND_HELP[command]) ?? HELP);
    return 0;
  }
  const loaded = loadConfig({ file: values.config });
  const { config } = loaded;
  switch (command) {
    case 'start':
    case 'demo':
      return demo(loaded, values);
    case 'install':
      installServices(config, log);
      log('service binaries installed');
      return 0;
    case 'up': {
      await startServices(config);
      if (!values['services-only']) {
        const w = await startWorkerDaemon(config, loaded.file);
        log(`worker: ${w.alreadyRunning ? 'already running' : 'started'} (pid ${w.pid}), log ${workerLog(config)}`);
      }
      log(`\nWeb UI: ${config.temporal.uiUrl}`);
      return 0;
    }
    case 'down': {
      log(`worker: ${(await stopWorkerDaemon(config)) ? 'stopped' : 'was not running'}`);
      for (const name of [...serviceNames(config)].reverse())
        log(`${name}: ${(await stopService(config, name)) ? 'stopped' : 'was not running'}`);
      return 0;
    }
    case 'status':
      return status(config);
    case 'worker':
      await runWorker(config, { log });
      return 0;
    case 'run': {
      const interval = requireInterval(values);
      const since = Date.now();
      if (values['no-wait']) {
        const { client, close } = await temporalClient(config);
        const handle = await startPipeline(client, config, interval).finally(close);
        log(
          `started ${handle.workflowId}${workerDaemonPid(config) || liveWorker(config) ? '' : ' (no worker is running: start one with `npx edp up`)'}`,
        );
        return 0;
      }
      const ok = await withWorker(config, () => runInterval(config, interval, since), log);
      return ok ? 0 : 1;
    }
    case 'generate': {
      const interval = requireInterval(values);
      const options = {
        seed: intOpt(values, 'seed', DEFAULT_SAMPLE.seed),
        members: intOpt(values, 'members', DEFAULT_SAMPLE.members),
        providers: DEFAULT_SAMPLE.providers,
        claimsPerInterval: intOpt(values, 'claims', DEFAULT_SAMPLE.claimsPerInterval),
        dirt: intOpt(values, 'dirt', DEFAULT_SAMPLE.dirt),
      };
      const list = (key: 'only' | 'skip'): string[] | undefined =>
        typeof values[key] === 'string' ? values[key].split(',').map((s) => s.trim()) : undefined;
      const only = list('only');
      const skip = list('skip') ?? [];
      const known = [...config.landing.entities.map((e) => e.name), ...config.sources.map((s) => s.name)];
      const unknown = [...(only ?? []), ...skip].filter((n) => !known.includes(n));
      if (unknown.length > 0)
        throw new UsageError(`--only/--skip name ${unknown.join(', ')}; known: ${known.join(', ')}`);
      const include = (name: string): boolean => (!only || only.includes(name)) && !skip.includes(name);
      for (const f of writeSampleFiles(config, interval, options, include)) log(`wrote ${f}`);
      if (config.sources.some((s) => include(s.name))) {
        const added = await writeSampleSources(config, interval, options.seed, include);
        log(`added ${num(added)} rows to the operational database (PostgreSQL must be running: \`npx edp up\`)`);
      }
      log(
        `${num(options.claimsPerInterval)} claims, ${num(options.members)} members for ${describeInterval(interval)}; pipeline id ${pipelineWorkflowId(interval)}`,
      );
      return 0;
    }
    case 'query': {
      const sql = rest.join(' ').trim();
      if (!sql) throw new UsageError('query needs SQL, e.g. edp query "select count(*) from raw.claims"');
      return query(config, sql, values.json === true);
    }
    case 'schedules': {
      const [sub] = rest;
      if (sub === 'apply') return schedulesApply(config, log);
      if (sub === 'show') return schedulesShow(config);
      throw new UsageError('schedules needs a subcommand: edp schedules apply | edp schedules show');
    }
    case 'backfill': {
      if (typeof values.from !== 'string' || typeof values.to !== 'string') {
        throw new UsageError('backfill needs --from and --to, e.g. --from 2026-01-01T00:00Z --to 2026-01-02T00:00Z');
      }
      const mode = values.mode ?? 'missing';
      if (mode !== 'missing' && mode !== 'failed' && mode !== 'all')
        throw new UsageError(`--mode must be missing, failed or all, got "${mode}"`);
      const { start: from, end: to } = parseInterval(`${values.from}/${values.to}`);
      return backfill(
        config,
        {
          from: new Date(from),
          to: new Date(to),
          mode,
          concurrency: intOpt(values, 'concurrency', 2),
          dryRun: values['dry-run'] === true,
        },
        log,
      );
    }
    case 'quality': {
      const [sub] = rest;
      if (sub === 'run') {
        const interval = typeof values.interval === 'string' ? parseInterval(values.interval) : undefined;
        return qualityRun(config, values.table ?? [], interval, log);
      }
      if (sub === 'report') return qualityReport(config, values.run);
      throw new UsageError(
        'quality needs a subcommand: edp quality run [--table schema.table] | edp quality report [--run RUN_ID]',
      );
    }
    default:
      throw new UsageError(`unknown command "${command}"; see edp --help`);
  }
}

const KNOWN_ERRORS = new Set(['ConfigError', 'ServiceError', 'IntervalError', 'WarehouseLockedError', 'TypeError']);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as Error;
    const known = err instanceof CliError || KNOWN_ERRORS.has(e.name);
    if (e.name === 'WorkflowFailedError') {
      // The useful part is the chain of causes: child workflow → activity → the classified failure.
      const chain: string[] = [];
      for (let c: Error | undefined = e; c; c = c.cause as Error | undefined) chain.push(c.message);
      console.error(`edp: ${chain.join(': ')}`);
    } else console.error(`edp: ${known ? e.message : (e.stack ?? String(e))}`);
    process.exit(err instanceof CliError ? err.exitCode : 1);
  },
);
