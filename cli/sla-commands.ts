import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { readSlaStatus } from '../activities/audit';
import { hasSlas, type SlaCheckResult } from '../activities/sla';
import type { EdpConfig } from '../workers/config-schema';
import { SCHEDULED_SLA_CHECK_ID_PREFIX, SLA_SCHEDULE_ID, slaCheckWorkflowId } from '../lib/ids';
import { slaCheckInput, startOptions } from '../workers/workflow-inputs';
import { slaCheck } from '../workflows';
import { table } from './output';
import { interruptibleWait } from './run-wait';
import { temporalClient, withWarehouseReader, withWorker } from './session';

/** Creates, updates or (when config has no SLA) deletes the schedule that runs slaCheck. */
export async function applySlaSchedule(client: Client, config: EdpConfig, log: (m: string) => void): Promise<void> {
  const handle = client.schedule.getHandle(SLA_SCHEDULE_ID);
  let exists = true;
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    exists = false;
  }
  if (!hasSlas(config.slas, config.pipelines)) {
    if (exists) {
      await handle.delete();
      log(`deleted schedule ${SLA_SCHEDULE_ID} (no SLA configured)`);
    }
    return;
  }
  const wanted = {
    spec: { intervals: [{ every: config.slas.checkEveryMinutes * 60_000 }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: slaCheck,
      ...startOptions(config, SCHEDULED_SLA_CHECK_ID_PREFIX, slaCheckInput(config)),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
  };
  if (exists) {
    await handle.update<typeof slaCheck>((previous) => ({ ...previous, ...wanted }));
    log(`updated schedule ${SLA_SCHEDULE_ID} (every ${config.slas.checkEveryMinutes} min)`);
  } else {
    await client.schedule.create({ scheduleId: SLA_SCHEDULE_ID, ...wanted });
    log(`created schedule ${SLA_SCHEDULE_ID} (every ${config.slas.checkEveryMinutes} min)`);
  }
}

/** Prints a check's states, the `pipeline` section's first, then each declared pipeline's. */
function printStates(config: EdpConfig, result: SlaCheckResult): void {
  const all = [{ pipeline: config.pipeline.name, ...result }, ...result.pipelines];
  console.log(
    table(
      all.flatMap((p) =>
        p.states.map((s) => ({
          pipeline: p.pipeline,
          sla: s.sla,
          state: s.breached ? 'BREACHED' : 'ok',
          detail: s.detail,
        })),
      ),
    ),
  );
  const named = (p: (typeof all)[number], slas: string[]) => slas.map((sla) => `${p.pipeline}/${sla}`);
  const opened = all.flatMap((p) => named(p, p.opened));
  const closed = all.flatMap((p) => named(p, p.closed));
  if (opened.length + closed.length > 0) {
    console.log(`opened: ${opened.join(', ') || '—'}; recovered: ${closed.join(', ') || '—'}`);
  }
  console.log(`alerts sent: ${result.alertsSent}`);
}

/** `edp sla check`: runs slaCheck now (as the schedule would) and prints the states; exit 1 on a breach. */
export async function slaCheckNow(config: EdpConfig, log: (m: string) => void): Promise<number> {
  if (!hasSlas(config.slas, config.pipelines)) {
    log('no SLA configured (slas in the config; see docs/operations.md)');
    return 0;
  }
  const { client, close } = await temporalClient(config);
  try {
    const workflowId = slaCheckWorkflowId(new Date());
    let started = false;
    const result = await interruptibleWait(
      config,
      () => (started ? [workflowId] : []),
      () =>
        withWorker(
          config,
          async () => {
            const handle = await client.workflow.start(
              slaCheck,
              startOptions(config, workflowId, slaCheckInput(config)),
            );
            started = true;
            log(`checking SLAs in ${workflowId}`);
            return handle.result();
          },
          log,
        ),
    );
    printStates(config, result);
    return [result, ...result.pipelines].some((p) => p.states.some((s) => s.breached)) ? 1 : 0;
  } finally {
    await close();
  }
}

/** The open breaches and the latest check per SLA, from the warehouse; empty when no check ran yet. */
export async function slaSummary(config: EdpConfig): Promise<Array<Record<string, unknown>>> {
  try {
    const states = await withWarehouseReader(config, readSlaStatus);
    return states.map((s) => ({
      pipeline: s.pipeline,
      sla: s.sla,
      state: s.breached ? 'BREACHED' : 'ok',
      detail: s.detail,
      breached_since: s.breachedSince,
      checked_at: s.checkedAt,
    }));
  } catch {
    return [];
  }
}

/** `edp sla status`: the latest state of every SLA and the open breaches. */
export async function slaStatus(config: EdpConfig): Promise<number> {
  const rows = await slaSummary(config);
  if (rows.length === 0) {
    console.log('no SLA check has run yet (`edp sla check`, or the schedule from `edp schedules apply`)');
    return 0;
  }
  console.log(table(rows));
  return rows.some((r) => r.state === 'BREACHED') ? 1 : 0;
}
