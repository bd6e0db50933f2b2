import { serviceNames, serviceStatus, startService, stopService, type ServiceName } from '../infra/services';
import type { EdpConfig } from '../workers/config-schema';
import {
  describeInterval,
  intervalEndingAt,
  parseInterval,
  scheduleInterval,
  type DataInterval,
} from '../lib/intervals';
import type { LoadedConfig } from '../workers/config';
import type { RunParams } from '../workflows/pipeline-run';
import { num, progress } from './output';
import { failureReport } from './failure-chain';
import { cancelledLine, printSummary, startedLine, startOrAttachPipeline, watchPipeline } from './pipeline-run';
import { DEFAULT_SAMPLE, writeSampleFiles, writeSampleSources } from './sample-files';
import { temporalClient, withWorker } from './session';
import { localWorkersServe, startWorkerDaemon, stopWorkerDaemon, workerLog } from './worker-daemon';
import { consoleSignInUrl, startConsoleDaemon, stopConsoleDaemon } from '../console/console-daemon';

const log = (message: string): void => console.log(message);

/** Starts every service the config needs; returns those that were not running before. */
export async function startServices(config: EdpConfig): Promise<ServiceName[]> {
  const before = await serviceStatus(config);
  for (const name of serviceNames(config)) await startService(config, name, log);
  return before.filter((s) => !s.running).map((s) => s.name);
}

/** Runs platformPipeline for one interval with progress and a summary; true when it succeeded. */
export async function runInterval(
  config: EdpConfig,
  interval: DataInterval,
  since: number,
  params?: RunParams,
): Promise<boolean> {
  const { client, close } = await temporalClient(config);
  try {
    const run = await startOrAttachPipeline(client, config, interval, params);
    const { handle } = run;
    progress(since, `${startedLine(run)} for ${describeInterval(interval)}`);
    const result = await watchPipeline(client, handle, config.pipeline.name, interval, since).catch((err: unknown) => {
      if (failureReport(err).ending !== 'cancelled') throw err;
      return undefined;
    });
    if (!result) {
      console.log(`\n${cancelledLine(config.pipeline.name, interval)}`);
      return false;
    }
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

/**
 * What a run-once demo says after the run about the Web UI link its summary printed: that the services it
 * started stop now (and how to keep them), or that they stay up.
 */
export function onceEndNote(uiUrl: string, stopping: readonly string[], keep: boolean): string | undefined {
  if (keep) return `\nThe services stay up (--keep): Web UI ${uiUrl}; stop them with \`npx edp down\`.`;
  if (stopping.length === 0) return undefined;
  return (
    `\nThis run-once demo now stops what it started (${stopping.join(', ')}), so the Web UI link above goes dark; ` +
    'to browse the run, use `npm run demo -- --keep` (or `npx edp start`, which stays up until Ctrl-C).'
  );
}

/** `edp start` / `edp demo`: services, worker, sample data and one pipeline run; stays up unless --once or CI. */
export async function demo(
  loaded: LoadedConfig,
  opts: { once?: boolean; keep?: boolean; interval?: string },
): Promise<number> {
  const { config } = loaded;
  const since = Date.now();
  const once = opts.once === true || Boolean(process.env.CI);
  progress(since, `config: ${loaded.file ?? 'built-in defaults'}; state in ${config.stateDir}`);
  const started = await startServices(config);
  const interval = opts.interval
    ? scheduleInterval(parseInterval(String(opts.interval)), config.pipeline.intervalHours)
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
  let startedConsole = false;
  if (once) {
    ok = await withWorker(config, () => runInterval(config, interval, since), log);
    const note = onceEndNote(config.temporal.uiUrl, started, opts.keep === true);
    if (note) console.log(note);
    if (opts.keep) return ok ? 0 : 1;
  } else {
    if (!localWorkersServe(config)) {
      const w = await startWorkerDaemon(config, loaded.file);
      progress(since, `worker started in the background (pid ${w.pid}), log ${workerLog(config)}`);
      startedWorker = true;
    }
    const c = await startConsoleDaemon(config, loaded.file);
    startedConsole = !c.alreadyRunning;
    ok = await runInterval(config, interval, since);
    console.log(
      `\nEverything is up: Web UI ${config.temporal.uiUrl}  ·  console ${consoleSignInUrl(config)}  ·  Ctrl-C stops what this command started.`,
    );
    await untilSignal();
    console.log('\nstopping…');
  }
  if (startedConsole) await stopConsoleDaemon(config);
  if (startedWorker) await stopWorkerDaemon(config);
  for (const name of [...started].reverse()) await stopService(config, name);
  if (started.length > 0)
    progress(
      since,
      `stopped what this command started: ${[...(startedWorker ? ['worker'] : []), ...started].join(', ')}`,
    );
  return ok ? 0 : 1;
}
