import type { Client } from '@temporalio/client';
import { nextFireTimes } from '../../cli/declared-pipelines';
import { applyDeclaredSchedules } from '../../cli/schedule-commands';
import { withWorker } from '../../cli/session';
import { pipelineScheduleId, pipelineWorkflowId } from '../../lib/ids';
import { makeInterval } from '../../lib/intervals';
import { EDP_INTERVAL_START, EDP_PIPELINE, EDP_TRIGGER } from '../../lib/search-attributes';
import type { EdpConfig } from '../../workers/config-schema';
import { pipelinePlan } from '../../workers/pipeline-plans';
import { testClient, testConfig } from '../helpers/platform';
import { threePipelines, twoWeeksAcrossDst } from '../helpers/three-pipelines';
import { backfillSchedule } from '../helpers/schedule-backfill';

const quiet = (): void => {};

/** The three pipelines under `prefix`, plus `<prefix>other` on the first one's schedule, their Schedules created paused. */
function config(prefix: string): EdpConfig {
  const three = threePipelines(prefix);
  const pipelines = [...three, { ...three[0], name: `${prefix}other` }].map((p) =>
    'schedule' in p ? { ...p, schedule: { ...p.schedule, paused: true } } : p,
  );
  // Unencrypted payloads: one client applies and reads both configs' Schedules (each config has its own keys).
  return testConfig(`it-sched-${prefix}`, { pipelines, temporal: { payloadEncryption: false } }).config;
}

/**
 * Declared pipelines' Schedules on the dev server. Its Schedules are created by `edp schedules apply`'s declared
 * part (its platform and SLA parts would touch the one SLA Schedule other suites in the namespace use).
 */
describe('declared pipelines on Temporal Schedules (dev server)', () => {
  let client: Client;
  let close: () => Promise<void>;
  const ids: string[] = [];
  afterAll(async () => {
    for (const id of ids)
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await close?.();
  });

  it('fires at the times lib/cron gives for the spec it sends, across a DST change in New York', async () => {
    const c = config('fire_');
    ({ client, close } = await testClient(c));
    await applyDeclaredSchedules(client, c, quiet);
    // Temporal lists a Schedule's next ten times from now; a start time a week before the next DST change (at least
    // a fortnight away, so nothing fires during the test) makes the weekday cron's ten cross it.
    const { from } = twoWeeksAcrossDst(new Date(Date.now() + 14 * 86_400_000));
    const startAt = new Date(from.getTime() + 60_000);
    for (const name of ['fire_claims', 'fire_finance']) {
      const handle = client.schedule.getHandle(pipelineScheduleId(name));
      ids.push(handle.scheduleId);
      await handle.update((prev) => ({ ...prev, spec: { ...prev.spec, startAt }, state: { paused: false } }));
      const d = await handle.describe();
      const ours = nextFireTimes(pipelinePlan(c, name).schedule!, startAt, 10).map((t) => t.toISOString());
      expect(d.info.nextActionTimes.map((t) => t.toISOString())).toEqual(ours);
      await handle.pause('test done');
    }
    const finance = nextFireTimes(pipelinePlan(c, 'fire_finance').schedule!, startAt, 10);
    // 06:00 New York is 11:00Z in winter and 10:00Z in summer (or the other way in autumn): both occur.
    expect(new Set(finance.map((t) => t.toISOString().slice(11, 16))).size).toBe(2);
  });

  it('backfills one pipeline’s Schedule: only that pipeline runs, and the pipeline its step triggers', async () => {
    const c = config('bf_');
    await applyDeclaredSchedules(client, c, quiet);
    ids.push(...['bf_claims', 'bf_finance', 'bf_other'].map(pipelineScheduleId));
    // The run at 08:00 covers [04:00, 08:00); bf_other has the same schedule and the same interval.
    const interval = makeInterval(new Date('2026-08-01T04:00Z'), new Date('2026-08-01T08:00Z'));
    // Every run of the four pipelines, whatever its interval.
    const query = `EdpPipeline IN ('bf_claims', 'bf_finance', 'bf_marts', 'bf_other')`;
    const list = async () => {
      const out: Array<{ id: string; pipeline?: string; start?: string; trigger?: string; status: string }> = [];
      for await (const wf of client.workflow.list({ query }))
        out.push({
          id: wf.workflowId,
          pipeline: wf.typedSearchAttributes.get(EDP_PIPELINE),
          start: wf.typedSearchAttributes.get(EDP_INTERVAL_START)?.toISOString(),
          trigger: wf.typedSearchAttributes.get(EDP_TRIGGER),
          status: wf.status.name,
        });
      return out.sort((a, b) => a.id.localeCompare(b.id));
    };
    const start = interval.start;
    const runs = await withWorker(
      c,
      async () => {
        await backfillSchedule(pipelineScheduleId('bf_claims'), '2026-08-01T07:59:00Z', '2026-08-01T08:00:00Z');
        // Until both have completed, or long enough that the assertion below shows what happened instead.
        for (const until = Date.now() + 150_000; ;) {
          const found = await list();
          const closed = (p: string) => found.some((r) => r.pipeline === p && r.status === 'COMPLETED');
          if ((closed('bf_claims') && closed('bf_marts')) || Date.now() > until) return found;
          await new Promise((r) => setTimeout(r, 250));
        }
      },
      quiet,
    );
    expect(runs).toEqual([
      { id: pipelineWorkflowId('bf_claims', interval), pipeline: 'bf_claims', start, status: 'COMPLETED' },
      {
        id: pipelineWorkflowId('bf_marts', interval),
        pipeline: 'bf_marts',
        start,
        trigger: 'bf_claims.land',
        status: 'COMPLETED',
      },
    ]);
  }, 240_000);
});
