import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { startPipeline } from '../../cli/pipeline-run';
import { schedulesApply } from '../../cli/schedule-commands';
import { withWorker } from '../../cli/session';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { pipelineScheduleId, pipelineWorkflowId, stepWorkflowId, UNNAMED_PIPELINE_SCHEDULE_ID } from '../../lib/ids';
import { makeInterval, type DataInterval } from '../../lib/intervals';
import { EDP_PIPELINE } from '../../lib/search-attributes';
import type { EdpConfig } from '../../workers/config-schema';
import { pipelineInput } from '../../workers/workflow-inputs';
import { platformPipeline } from '../../workflows';
import type { PlatformPipelineInput } from '../../workflows/platform-pipeline';
import { maybeRecordHistory } from '../helpers/histories';
import { landSample, testClient, testConfig } from '../helpers/platform';
import { backfillSchedule } from '../helpers/schedule-backfill';
import { testServices } from '../setup/test-services';

const quiet = (): void => {};

/**
 * A config whose pipeline is named `name`, quick to give up on missing files, its schedule created paused.
 * Payloads stay unencrypted so one client reads both pipelines' schedules and memos (each config has its own keys).
 */
const namedConfig = (name: string) =>
  testConfig(`it-ns-${name}`, {
    pipeline: { name, heartbeatSeconds: 5, sensor: { pokeMinutes: 1, timeoutMinutes: 1 }, schedule: { paused: true } },
    temporal: { payloadEncryption: false },
  });

/** The ingest runs recorded in a pipeline's warehouse, as `run id @ interval start`. */
async function ingestRuns(config: EdpConfig): Promise<string[]> {
  const w = await DuckDbWarehouse.open({ path: config.warehouse.duckdb.path });
  try {
    const rows = await w.query<{ run: string }>(
      `SELECT DISTINCT run_id || ' @ ' || strftime(interval_start AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%MZ') AS run FROM audit.ingest_manifest ORDER BY run`,
    );
    return rows.map((r) => r.run);
  } finally {
    await w.close();
  }
}

/** The platformPipeline runs of an interval in the namespace, as `pipeline: workflow id`. */
async function runsOf(client: Client, interval: DataInterval): Promise<string[]> {
  // Only this suite's pipelines: other suites (the console's) run the same interval in the same namespace.
  const query = `WorkflowType = 'platformPipeline' AND EdpPipeline IN ('claims', 'finance') AND EdpIntervalStart >= '${interval.start}' AND EdpIntervalStart < '${interval.end}'`;
  const out: string[] = [];
  for await (const wf of client.workflow.list({ query }))
    out.push(`${wf.typedSearchAttributes.get(EDP_PIPELINE)}: ${wf.workflowId}`);
  return out.sort();
}

/**
 * Two configs with different pipeline names share one namespace (each with its own warehouse and task queues,
 * as two deployments would): the same interval runs once for each, and backfilling one pipeline's Schedule
 * runs only that pipeline. Before ids carried the pipeline name, the second `edp run` attached to the first
 * pipeline's run and the second `edp schedules apply` took over the first pipeline's Schedule.
 */
describe('two pipelines in one namespace (dev server, DuckDB)', () => {
  const first = makeInterval(new Date('2026-08-01T00:00Z'), new Date('2026-08-01T04:00Z'));
  const second = makeInterval(new Date('2026-08-01T04:00Z'), new Date('2026-08-01T08:00Z'));
  let claims: EdpConfig;
  let finance: EdpConfig;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const c = namedConfig('claims');
    const f = namedConfig('finance');
    // Each pipeline lands data of its own, as two real pipelines would. (Identical files loading at the same
    // moment into two warehouses on one host would share the loader's temporary copy, a separate defect.)
    for (const i of [first, second]) {
      await landSample(c, i, { seed: 1 });
      await landSample(f, i, { seed: 2 });
    }
    claims = c.config;
    finance = f.config;
    ({ client, close } = await testClient(claims));
  });
  afterAll(async () => {
    for (const id of [...['claims', 'finance', 'ops'].map(pipelineScheduleId), UNNAMED_PIPELINE_SCHEDULE_ID])
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await close();
  });

  /** Runs `fn` while a worker of each pipeline polls its own task queues. */
  const withBothWorkers = <T>(fn: () => Promise<T>): Promise<T> =>
    withWorker(claims, () => withWorker(finance, fn, quiet), quiet);

  it('runs the same interval once for each pipeline, each into its own warehouse', async () => {
    const [a, b] = await withBothWorkers(async () => {
      const a = await startPipeline(client, claims, first);
      const b = await startPipeline(client, finance, first);
      expect(b.workflowId).not.toBe(a.workflowId);
      const results = await Promise.all([a.result(), b.result()]);
      await maybeRecordHistory(client, testServices().temporalAddress, a.workflowId, 'named-ids');
      return results;
    });
    expect([a.pipeline, a.status, b.pipeline, b.status]).toEqual(['claims', 'succeeded', 'finance', 'succeeded']);
    expect(a.ingest.rowsLoaded).toBeGreaterThan(0);
    expect(b.ingest.rowsLoaded).toBeGreaterThan(0);
    expect(await runsOf(client, first)).toEqual([
      'claims: edp-pipeline-claims-2026-08-01T04:00:00Z',
      'finance: edp-pipeline-finance-2026-08-01T04:00:00Z',
    ]);
    expect(await ingestRuns(claims)).toEqual([`${stepWorkflowId('claims', 'ingest', first)} @ 2026-08-01T00:00Z`]);
    expect(await ingestRuns(finance)).toEqual([`${stepWorkflowId('finance', 'ingest', first)} @ 2026-08-01T00:00Z`]);
  }, 240_000);

  it('keeps one Schedule per pipeline, and a backfill of one runs only that pipeline', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await withBothWorkers(async () => {
        expect(await schedulesApply(claims, quiet)).toBe(0);
        expect(await schedulesApply(finance, quiet)).toBe(0);
        for (const [config, name] of [
          [claims, 'claims'],
          [finance, 'finance'],
        ] as const) {
          const d = await client.schedule.getHandle(pipelineScheduleId(name)).describe();
          if (d.action.type !== 'startWorkflow') throw new Error(`schedule of ${name} starts no workflow`);
          expect((d.action.args?.[0] as PlatformPipelineInput).pipeline).toBe(name);
          expect(d.action.taskQueue).toBe(config.temporal.taskQueues.workflows);
        }
        // The run at 08:00 covers [04:00, 08:00).
        await backfillSchedule(pipelineScheduleId('claims'), '2026-08-01T07:59:00Z', '2026-08-01T08:00:00Z');
        const query = `TemporalScheduledById = '${pipelineScheduleId('claims')}'`;
        for (let done = false; !done;) {
          await new Promise((r) => setTimeout(r, 250));
          for await (const wf of client.workflow.list({ query })) done ||= wf.status.name === 'COMPLETED';
        }
      });
    } finally {
      log.mockRestore();
    }
    // The scheduled run carries the id a manual run of that interval would have: one interval, one name.
    expect(await runsOf(client, second)).toEqual([`claims: ${pipelineWorkflowId('claims', second)}`]);
    expect(pipelineWorkflowId('claims', second)).toBe('edp-pipeline-claims-2026-08-01T08:00:00Z');
    expect(await ingestRuns(claims)).toEqual([
      `${stepWorkflowId('claims', 'ingest', first)} @ 2026-08-01T00:00Z`,
      `${stepWorkflowId('claims', 'ingest', second)} @ 2026-08-01T04:00Z`,
    ]);
    expect(await ingestRuns(finance)).toEqual([`${stepWorkflowId('finance', 'ingest', first)} @ 2026-08-01T00:00Z`]);
  }, 240_000);

  it('replaces its own schedule left under the old unnamed id, keeping its pause, and leaves another pipeline’s', async () => {
    /** A paused schedule of `config`'s pipeline under the old id, as `edp schedules apply` made it before. */
    const createUnnamed = (config: EdpConfig) =>
      client.schedule.create({
        scheduleId: UNNAMED_PIPELINE_SCHEDULE_ID,
        spec: { intervals: [{ every: `${config.pipeline.intervalHours}h` }] },
        action: {
          type: 'startWorkflow',
          workflowType: platformPipeline,
          workflowId: 'edp-pipeline-scheduled',
          taskQueue: config.temporal.taskQueues.workflows,
          args: [pipelineInput(config)],
        },
        state: { paused: true },
      });
    const ops = testConfig('it-ns-ops', { pipeline: { name: 'ops' }, temporal: { payloadEncryption: false } }).config;
    const logs: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await createUnnamed(ops);
      expect(await schedulesApply(ops, (m) => logs.push(m))).toBe(0);
      await expect(client.schedule.getHandle(UNNAMED_PIPELINE_SCHEDULE_ID).describe()).rejects.toThrow(
        ScheduleNotFoundError,
      );
      expect((await client.schedule.getHandle(pipelineScheduleId('ops')).describe()).state.paused).toBe(true);
      expect(logs).toEqual([
        'created schedule edp-pipeline-ops-schedule (paused, as edp-pipeline-schedule was)',
        'deleted schedule edp-pipeline-schedule of pipeline ops: edp-pipeline-ops-schedule replaces it',
      ]);

      // Another pipeline's old schedule is that pipeline's to migrate.
      await createUnnamed(finance);
      logs.length = 0;
      expect(await schedulesApply(ops, (m) => logs.push(m))).toBe(0);
      const other = await client.schedule.getHandle(UNNAMED_PIPELINE_SCHEDULE_ID).describe();
      if (other.action.type !== 'startWorkflow') throw new Error('the old schedule starts no workflow');
      expect((other.action.args?.[0] as PlatformPipelineInput).pipeline).toBe('finance');
      expect(logs).toEqual(['updated schedule edp-pipeline-ops-schedule']);
    } finally {
      log.mockRestore();
    }
  });
});
