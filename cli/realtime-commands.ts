import { WorkflowNotFoundError } from '@temporalio/client';
import type { EdpConfig } from '../workers/config-schema';
import { REALTIME_WORKFLOW_ID } from '../lib/ids';
import { realtimeRefreshInput, startOptions } from '../workers/workflow-inputs';
import { realtimeRefresh } from '../workflows';
import { realtimeRefreshLatest } from '../workflows/realtime-refresh';
import { table } from './output';
import { webUiLink } from './pipeline-run';
import { CliError, temporalClient } from './session';
import { startOnce } from './stream-commands';

/** `edp realtime start`: deploys the near-real-time objects and keeps them within their target lag. */
export async function realtimeStart(config: EdpConfig, log: (m: string) => void): Promise<number> {
  if (config.realtime.tables.length === 0) throw new CliError('no near-real-time tables configured (realtime.tables)');
  const { client, close } = await temporalClient(config);
  try {
    const state = await startOnce(() =>
      client.workflow.start(realtimeRefresh, startOptions(config, REALTIME_WORKFLOW_ID, realtimeRefreshInput(config))),
    );
    log(
      `realtimeRefresh: ${state} (${REALTIME_WORKFLOW_ID}), ${config.realtime.tables.length} curation table(s); the worker must run (\`edp up\`) — Web UI ${webUiLink(config, REALTIME_WORKFLOW_ID)}`,
    );
    return 0;
  } finally {
    await close();
  }
}

/** `edp realtime stop`: cancels the refresh timer (Snowflake's dynamic tables keep refreshing on their own). */
export async function realtimeStop(config: EdpConfig, log: (m: string) => void): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    await client.workflow.getHandle(REALTIME_WORKFLOW_ID).cancel();
    log(`${REALTIME_WORKFLOW_ID}: cancelled`);
    return 0;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    log(`${REALTIME_WORKFLOW_ID}: not running`);
    return 0;
  } finally {
    await close();
  }
}

/** `edp realtime status`: each curation table's layer and lag against its target; exit 1 when one is behind. */
export async function realtimeStatus(config: EdpConfig): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    const latest = await client.workflow
      .getHandle(REALTIME_WORKFLOW_ID)
      .query(realtimeRefreshLatest)
      .catch((err: Error) => {
        throw new CliError(
          `${REALTIME_WORKFLOW_ID} does not answer (${err.message}); start it with \`edp realtime start\``,
        );
      });
    if (!latest) {
      console.log('no refresh pass yet');
      return 0;
    }
    const refreshed = new Map(latest.refreshed.map((r) => [r.table, r]));
    // Lag as of now, from when each table's data was read (the pass may be a while ago).
    const now = Date.now();
    const lag = latest.lag.map((l) => {
      if (l.dataTimestamp === null) return l;
      const lagSeconds = Math.max(0, (now - Date.parse(l.dataTimestamp)) / 1000);
      return { ...l, lagSeconds, status: lagSeconds <= l.targetLagSeconds ? 'on target' : 'behind target' };
    });
    if (latest.error) console.log(`the last refresh pass failed (retrying): ${latest.error}`);
    console.log(
      table(
        lag.map((l) => ({
          table: `curation.${l.table}`,
          layer: l.layer ?? 1,
          target: `${l.targetLagSeconds} s`,
          lag: l.lagSeconds === null ? '—' : `${l.lagSeconds.toFixed(1)} s`,
          status: l.status,
          'last pass': refreshed.has(l.table)
            ? `${refreshed.get(l.table)!.mode}, ${refreshed.get(l.table)!.rows} rows, ${refreshed.get(l.table)!.ms} ms`
            : '—',
        })),
      ),
    );
    return latest.error || lag.some((l) => l.status !== 'on target') ? 1 : 0;
  } finally {
    await close();
  }
}
