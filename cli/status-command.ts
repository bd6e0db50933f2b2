import { serviceStatus } from '../infra/services';
import type { EdpConfig } from '../workers/config-schema';
import { hasSlas } from '../activities/sla';
import { table } from './output';
import { slaSummary } from './sla-commands';
import { listDeadLetters } from './dead-letter-commands';
import { temporalClient } from './session';
import { liveWorker, localWorkers, workerLog } from './worker-daemon';

/** `edp status`: the services, the worker, the latest pipeline runs, open dead letters and the SLA states. */
export async function status(config: EdpConfig): Promise<number> {
  const services = await serviceStatus(config);
  // The lease exists only where the engine has a single-writer file: the worker holding it answers `edp query`.
  const lease = liveWorker(config);
  const workers = localWorkers(config);
  console.log(
    table([
      ...services.map((s) => ({
        service: s.name,
        state: s.running ? `running (pid ${s.pid})` : s.reachable ? 'reachable (not ours)' : 'stopped',
        endpoint: s.endpoint,
        log: s.logFile,
      })),
      ...(workers.length === 0
        ? [{ service: 'worker', state: 'stopped', endpoint: '', log: workerLog(config) }]
        : workers.map((w) => ({
            service: `worker (${w.role})`,
            state: `running (pid ${w.pid})`,
            endpoint: lease?.pid === w.pid ? `query 127.0.0.1:${lease.port}` : w.taskQueues.join(', '),
            log: workerLog(config),
          }))),
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
    const open = await listDeadLetters(config, true);
    console.log(
      open.length === 0
        ? '\nDead letters: none open'
        : `\nDead letters (retry with \`edp dead-letters retry\`):\n${table(
            open.map((r) => ({ run: r.run_id, interval: r.interval_start, step: r.step, now: r.latest_run })),
          )}`,
    );
    if (hasSlas(config.slas, config.pipelines)) {
      const slas = await slaSummary(config);
      console.log(
        slas.length > 0
          ? `\nSLAs:\n${table(slas)}`
          : '\nSLAs: no check yet (`edp sla check`, or `edp schedules apply`)',
      );
    }
  } finally {
    await close();
  }
  return 0;
}
