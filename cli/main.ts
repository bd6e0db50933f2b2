import { parseArgs } from 'node:util';
import { installServices, serviceNames, stopService } from '../infra/services';
import type { EdpConfig } from '../workers/config-schema';
import { pipelineWorkflowId } from '../lib/ids';
import { describeInterval, parseInterval, type DataInterval } from '../lib/intervals';
import { loadConfig } from '../workers/config';
import { runWorker } from '../workers/worker';
import { CliError, readWarehouse, temporalClient, UsageError, withWorker } from './session';
import { num, table } from './output';
import { backfill } from './backfill-command';
import { demo, runInterval, startServices } from './demo-command';
import { COMMAND_HELP, HELP } from './help';
import { status } from './status-command';
import { qualityReport, qualityRun } from './quality-commands';
import { schedulesApply, schedulesShow } from './schedule-commands';
import { startPipeline } from './pipeline-run';
import { DEFAULT_SAMPLE, writeSampleFiles, writeSampleSources } from './sample-files';
import { liveWorker, startWorkerDaemon, stopWorkerDaemon, workerDaemonPid, workerLog } from './worker-daemon';
import { codecKeysNew, codecServer, startCodecDaemon, stopCodecDaemon } from './codec-commands';
import { slaCheckNow, slaStatus } from './sla-commands';
import { realtimeStart, realtimeStatus, realtimeStop } from './realtime-commands';
import { deadLettersList, deadLettersRetry } from './dead-letter-commands';
import { configShow } from './config-command';
import { dbtCommand } from './dbt-command';
import { streamBackfill, streamProduce, streamStart, streamStatus, streamStop } from './stream-commands';

type Opts = Record<string, string | boolean | string[] | undefined>;

function log(message: string): void {
  console.log(message);
}

async function query(config: EdpConfig, sql: string, json: boolean): Promise<number> {
  const rows = await readWarehouse(config, sql);
  console.log(json ? JSON.stringify(rows, null, 2) : table(rows));
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
        port: { type: 'string' },
        'ui-origin': { type: 'string' },
        'token-file': { type: 'string' },
        out: { type: 'string' },
        'key-id': { type: 'string' },
        all: { type: 'boolean' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        topic: { type: 'string' },
        'from-offset': { type: 'string' },
        'to-offset': { type: 'string' },
        'from-time': { type: 'string' },
        'to-time': { type: 'string' },
        partition: { type: 'string' },
        'project-dir': { type: 'string' },
        select: { type: 'string', multiple: true, short: 's' },
        models: { type: 'string', multiple: true, short: 'm' },
        exclude: { type: 'string', multiple: true },
        vars: { type: 'string' },
        'full-refresh': { type: 'boolean' },
        threads: { type: 'string' },
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
      const codec = await startCodecDaemon(config, loaded.file);
      if (codec)
        log(
          `codec server: ${codec.alreadyRunning ? 'already running' : 'started'} (pid ${codec.pid}) on 127.0.0.1:${config.temporal.codecPort}`,
        );
      if (!values['services-only']) {
        const w = await startWorkerDaemon(config, loaded.file);
        log(`worker: ${w.alreadyRunning ? 'already running' : 'started'} (pid ${w.pid}), log ${workerLog(config)}`);
      }
      log(`\nWeb UI: ${config.temporal.uiUrl}`);
      return 0;
    }
    case 'down': {
      log(`worker: ${(await stopWorkerDaemon(config)) ? 'stopped' : 'was not running'}`);
      if (await stopCodecDaemon(config)) log('codec server: stopped');
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
    case 'dbt': {
      const [sub] = rest;
      const opts = {
        projectDir: typeof values['project-dir'] === 'string' ? values['project-dir'] : undefined,
        select: [...(values.select ?? []), ...(values.models ?? [])],
        exclude: values.exclude ?? [],
        vars: values.vars,
        fullRefresh: Boolean(values['full-refresh']),
        threads: values.threads === undefined ? undefined : intOpt(values, 'threads', 4),
        noWait: Boolean(values['no-wait']),
      };
      if (sub === 'compile' || opts.noWait) return dbtCommand(config, sub, opts, log);
      return withWorker(config, () => dbtCommand(config, sub, opts, log), log);
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
    case 'stream': {
      const sub = rest[0];
      if (sub === 'produce') {
        return streamProduce(
          config,
          {
            rate: intOpt(values, 'rate', 1000),
            duration: intOpt(values, 'duration', 10),
            dirt: intOpt(values, 'dirt', 0),
            topic: values.topic,
            seed: values.seed === undefined ? undefined : intOpt(values, 'seed', 7),
          },
          log,
        );
      }
      if (sub === 'start') return streamStart(config, log);
      if (sub === 'stop') return streamStop(config, log);
      if (sub === 'status') return streamStatus(config);
      if (sub === 'backfill') {
        const opt = (k: string) => ((values as Opts)[k] === undefined ? undefined : intOpt(values, k, 0));
        return streamBackfill(
          config,
          {
            topic: values.topic,
            fromOffset: opt('from-offset'),
            toOffset: opt('to-offset'),
            fromTime: values['from-time'],
            toTime: values['to-time'],
            partition: opt('partition'),
            wait: !values['no-wait'],
          },
          log,
        );
      }
      throw new UsageError('stream needs a subcommand: produce | start | stop | status | backfill (see edp --help)');
    }
    case 'realtime': {
      if (rest[0] === 'start') return realtimeStart(config, log);
      if (rest[0] === 'stop') return realtimeStop(config, log);
      if (rest[0] === 'status') return realtimeStatus(config);
      throw new UsageError('realtime needs a subcommand: edp realtime start | stop | status');
    }
    case 'config':
      return configShow(config, loaded.file, loaded.overrides);
    case 'dead-letters': {
      if (rest[0] === 'retry') return deadLettersRetry(config, rest.slice(1), values.all === true, log);
      if (rest[0] === undefined || rest[0] === 'list') return deadLettersList(config, values.all === true);
      throw new UsageError(
        'dead-letters: edp dead-letters [list] [--all] | edp dead-letters retry <run-id ...> | --all',
      );
    }
    case 'sla': {
      if (rest[0] === 'check') return slaCheckNow(config, log);
      if (rest[0] === 'status') return slaStatus(config);
      throw new UsageError('sla needs a subcommand: edp sla check | edp sla status');
    }
    case 'codec-keys': {
      if (rest[0] !== 'new') throw new UsageError('codec-keys needs a subcommand: edp codec-keys new --out FILE');
      return codecKeysNew(values.out, values['key-id'], log);
    }
    case 'codec-server':
      return codecServer(
        config,
        {
          port: values.port === undefined ? undefined : intOpt(values, 'port', 0),
          uiOrigin: values['ui-origin'],
          tokenFile: values['token-file'],
        },
        log,
      );
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
