import { Client } from '@temporalio/client';
import { ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { RunIncidentReport } from '../../activities/alerts';
import type { FileLoadResult } from '../../activities/ingest';
import { batchIngest, pipelineRun, platformPipeline, transform } from '../../workflows';
import type { PlatformPipelineInput } from '../../workflows/platform-pipeline';
import { pipelineWorkflowId, stepWorkflowId } from '../../lib/ids';
import { EDP_STATUS, EDP_TRIGGER } from '../../lib/search-attributes';
import { pipelineInput } from '../../workers/workflow-inputs';
import { maybeRecordHistory } from '../helpers/histories';
import { addSearchAttributes, configOf, queuesFor, withPipelineWorkers } from '../helpers/pipeline-env';
import { testServices } from '../setup/test-services';
import { testRuntimeLogger, testTelemetry } from '../helpers/sdk-logger';

/** Runs `fn` over `items` one at a time. */
async function mapSequential<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}

/**
 * Time-skipping tests: the pipeline's landing sensor (durable timers) and activity retries span hours
 * of workflow time but run in seconds. Activities are fakes here; the integration tests use real ones.
 */
describe('platformPipeline (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };
  const input: PlatformPipelineInput = {
    pipeline: 'platform',
    interval,
    intervalHours: 4,
    steps: { warehouseTaskQueue: 'set-per-test' },
    sensor: { pokeMinutes: 10, timeoutMinutes: 240 },
    marts: [{ name: 'm1', mode: 'overwrite' }],
  };

  beforeAll(async () => {
    Runtime.install({ logger: testRuntimeLogger(), telemetryOptions: testTelemetry() });
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServices().testServerPath } },
    });
    // The pipeline upserts the project's search attributes; the test server must know them, as the dev server does.
    await addSearchAttributes(env);
  });
  afterAll(() => env?.teardown());

  /** Fake activities whose clock is the workflow environment's (skipped) time. */
  function fakeActivities(opts: {
    landsAfterHours: number;
    transientLoadFailures: number;
    blockingCheck?: boolean;
    failingModel?: string;
  }) {
    const startedAt = { ms: 0 };
    const calls = {
      checks: 0,
      loads: 0,
      models: [] as string[],
      exports: 0,
      incidents: [] as RunIncidentReport[],
      deadLetters: 0,
    };
    const load = (entity: string): FileLoadResult => ({
      entity,
      file: `${entity}.csv`,
      checksum: 'abc',
      rowsIn: 10,
      rowsLoaded: 9,
      rowsQuarantined: 1,
      alreadyLoaded: false,
    });
    const activities: Partial<Activities> = {
      async checkLandingFiles() {
        const now = await env.currentTimeMs();
        if (calls.checks++ === 0) startedAt.ms = now;
        const landed = now - startedAt.ms >= opts.landsAfterHours * 3_600_000;
        const members = { entity: 'members', file: 'members/m.csv' };
        return landed
          ? {
              present: ['claims', 'members'],
              missing: [],
              files: [{ entity: 'claims', file: 'claims/c.csv' }, members],
            }
          : { present: ['members'], missing: ['claims'], files: [members] };
      },
      async loadLandingFile({ entity }) {
        if (calls.loads++ < opts.transientLoadFailures) throw new Error('connection reset by warehouse');
        return Promise.resolve(load(entity));
      },
      planTransform: () =>
        Promise.resolve({
          manifestFile: 'target/manifests/c.json',
          checksum: 'c',
          nodes: ['stg', 'int', 'mart', 'other'].map((id) => ({ id, name: id, type: 'model' as const })),
          edges: [
            ['stg', 'int'],
            ['int', 'mart'],
          ],
        }),
      async runNode({ nodeId: model }) {
        calls.models.push(model);
        if (model === opts.failingModel) throw ApplicationFailure.nonRetryable(`Binder Error in ${model}`);
        return Promise.resolve({
          id: model,
          name: model,
          type: 'model' as const,
          status: 'success' as const,
          table: `x.${model}`,
          rows: 3,
        });
      },
      listQualityRuleFiles: () => Promise.resolve([{ file: 'm1.yml', table: 'marts.m1', rules: 1 }]),
      runQualityRuleFile: () => {
        const failed = {
          table: 'marts.m1',
          rule: 'key_unique',
          type: 'duplicates' as const,
          severity: 'error' as const,
          passed: !opts.blockingCheck,
          checkedRows: 10,
          failedRows: opts.blockingCheck ? 2 : 0,
          message: '',
          sampleKeys: opts.blockingCheck ? ['K1', 'K2'] : [],
        };
        return Promise.resolve({
          table: 'marts.m1',
          checked: 'marts.m1',
          rows: 10,
          invalidRows: failed.failedRows,
          score: 80,
          quarantined: 0,
          results: [failed],
        });
      },
      exportMart: ({ mart }) => {
        calls.exports++;
        return Promise.resolve({
          mart,
          mode: 'overwrite' as const,
          path: `/x/${mart}`,
          deltaVersion: 0,
          rows: 3,
          bytes: 100,
          files: 1,
          alreadyCommitted: false,
        });
      },
      recordRunIncidents: (report) => {
        calls.incidents.push(report);
        return Promise.resolve({ opened: [], recovered: [], sent: 0 });
      },
      // The transform step's run_results.json (the real activity writes it into the project's target/).
      storeRunResults: () => Promise.resolve({}),
      // A failed run records its dead letter (the real activity writes audit.dead_letters).
      recordDeadLetter: () => {
        calls.deadLetters++;
        return Promise.resolve();
      },
    };
    return { activities, calls };
  }

  /** Runs `body` while a workflow worker and a (fake) activity worker poll queues named after `name`. */
  async function withWorkers<T>(
    name: string,
    activities: Partial<Activities>,
    body: (queues: { workflows: string; warehouse: string }) => Promise<T>,
  ): Promise<T> {
    const queues = queuesFor(name);
    return withPipelineWorkers(env, name, activities, () => body(queues), 100);
  }

  async function run(fakes: ReturnType<typeof fakeActivities>, workflowId: string) {
    const result = await withWorkers(workflowId, fakes.activities, (queues) => {
      const args: [PlatformPipelineInput] = [{ ...input, steps: { warehouseTaskQueue: queues.warehouse } }];
      return env.client.workflow.execute(platformPipeline, { workflowId, taskQueue: queues.workflows, args });
    });
    const { startTime, closeTime } = await env.client.workflow.getHandle(workflowId).describe();
    return { result, workflowHours: (closeTime!.getTime() - startTime.getTime()) / 3_600_000 };
  }

  it('waits hours for a late file and retries transient load failures, in seconds of wall time', async () => {
    const fakes = fakeActivities({ landsAfterHours: 3, transientLoadFailures: 2 });
    const wall = Date.now();
    const { result, workflowHours } = await run(fakes, 'ts-late-file');
    expect(Date.now() - wall).toBeLessThan(60_000);
    expect(workflowHours).toBeGreaterThanOrEqual(3);
    expect(result.status).toBe('succeeded');
    expect(result.ingest.sensorPokes).toBe(19); // first look + one every 10 minutes for 3 hours
    expect(result.ingest.missing).toEqual([]);
    expect(result.ingest.files.map((f) => f.entity)).toEqual(['claims', 'members']);
    expect(fakes.calls.loads).toBe(4); // two transient failures, then two files
    expect(result.ingest).toMatchObject({ rowsIn: 20, rowsLoaded: 18, rowsQuarantined: 2 });
    expect(result.export?.marts).toHaveLength(1);
    await maybeRecordHistory(env.client, env.address, stepWorkflowId(input.pipeline, 'ingest', interval), 'late-file');
  });

  it('gives up waiting at the sensor timeout and loads what landed', async () => {
    const fakes = fakeActivities({ landsAfterHours: 100, transientLoadFailures: 0 });
    const { result, workflowHours } = await run(fakes, 'ts-never-lands');
    expect(workflowHours).toBeGreaterThanOrEqual(3.8);
    expect(workflowHours).toBeLessThan(4.5);
    expect(result.ingest.missing).toEqual(['claims']);
    expect(result.ingest.files.map((f) => f.entity)).toEqual(['members']);
  });

  it('blocks the export when an error-severity quality check fails', async () => {
    const fakes = fakeActivities({ landsAfterHours: 0, transientLoadFailures: 0, blockingCheck: true });
    const { result } = await run(fakes, 'ts-blocked');
    expect(result.status).toBe('blocked');
    expect(result.quality.blocking.map((c) => [c.rule, c.sampleKeys])).toEqual([['key_unique', ['K1', 'K2']]]);
    expect(result.export).toBeUndefined();
    expect(fakes.calls.exports).toBe(0);
    // The run reports the blocked gate and its rule once it ends, with counts and no sample keys.
    expect(fakes.calls.incidents.map((r) => r.found)).toEqual([
      [
        { kind: 'gate-blocked', subject: '', detail: '1 error-severity rule failed on 1 table' },
        { kind: 'rule-failed', subject: 'marts.m1:key_unique', detail: 'duplicates: 2 of 10 rows fail' },
      ],
    ]);
  });

  it('skips only the descendants of a failed model and fails the run naming it', async () => {
    const fakes = fakeActivities({ landsAfterHours: 0, transientLoadFailures: 0, failingModel: 'int' });
    await expect(run(fakes, 'ts-model-fails')).rejects.toThrow('Workflow execution failed');
    expect(fakes.calls.models.sort()).toEqual(['int', 'other', 'stg']);
    const handle = env.client.workflow.getHandle<typeof transform>(
      stepWorkflowId(input.pipeline, 'transform', interval),
    );
    const t = await handle.result();
    expect(t.models.map((m) => [m.model, m.status])).toEqual([
      ['other', 'success'],
      ['stg', 'success'],
      ['int', 'error'],
      ['mart', 'skipped'],
    ]);
    expect(t.models[2].error).toBe('Binder Error in int');
    expect(fakes.calls.incidents.map((r) => r.found)).toEqual([
      [{ kind: 'run-failed', subject: '', detail: 'step transform failed (1 node failed)' }],
    ]);
    await maybeRecordHistory(
      env.client,
      env.address,
      stepWorkflowId(input.pipeline, 'transform', interval),
      'model-fails',
    );
  });

  it('a cancelled run ends with EdpStatus cancelled, not failed, and reports no incident', async () => {
    const fakes = fakeActivities({ landsAfterHours: 100, transientLoadFailures: 0 });
    const workflowId = 'ts-cancelled';
    await withWorkers(workflowId, fakes.activities, async (queues) => {
      const args: [PlatformPipelineInput] = [{ ...input, steps: { warehouseTaskQueue: queues.warehouse } }];
      const handle = await env.client.workflow.start(platformPipeline, {
        workflowId,
        taskQueue: queues.workflows,
        args,
      });
      // Cancelled while its sensor waits for the late file (time skips only while a result is awaited).
      while (fakes.calls.checks === 0) await new Promise((r) => setTimeout(r, 50));
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow('Workflow execution cancelled');
    });
    const described = await env.client.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('CANCELLED');
    expect(described.typedSearchAttributes.get(EDP_STATUS)).toBe('cancelled');
    expect(fakes.calls.incidents).toEqual([]);
    expect(fakes.calls.deadLetters).toBe(0);
  });

  it('loads thousands of files in child batches, keeping every history small', async () => {
    const files = Array.from({ length: 1010 }, (_, n) => ({
      entity: 'claims',
      file: `claims/claims_20260101T0400_${String(n).padStart(5, '0')}.csv`,
    }));
    let loads = 0;
    const activities: Partial<Activities> = {
      checkLandingFiles: () => Promise.resolve({ present: ['claims'], missing: [], files }),
      loadLandingFile: ({ entity, file }) => {
        loads++;
        return Promise.resolve({
          entity,
          file,
          checksum: 'x',
          rowsIn: 10,
          rowsLoaded: 9,
          rowsQuarantined: 1,
          alreadyLoaded: false,
        });
      },
    };
    const result = await withWorkers('ts-batches', activities, (q) =>
      env.client.workflow.execute(batchIngest, {
        workflowId: 'ts-batches',
        taskQueue: q.workflows,
        args: [
          {
            interval,
            steps: { warehouseTaskQueue: q.warehouse },
            sensor: { pokeMinutes: 10, timeoutMinutes: 60 },
            maxParallel: 50,
            filesPerChild: 500,
          },
        ],
      }),
    );
    const handle = env.client.workflow.getHandle('ts-batches');
    expect(loads).toBe(1010);
    expect(result).toMatchObject({ fileCount: 1010, rowsIn: 10_100, rowsLoaded: 9_090, rowsQuarantined: 1_010 });
    expect(result.batches).toEqual(['ts-batches-batch-0001', 'ts-batches-batch-0002', 'ts-batches-batch-0003']);
    expect(result.files).toHaveLength(100); // the first 100; audit.ingest_manifest has all
    const parentEvents = (await handle.fetchHistory()).events!.length;
    const childEvents = (await env.client.workflow.getHandle('ts-batches-batch-0001').fetchHistory()).events!.length;
    expect(parentEvents).toBeLessThan(100);
    expect(childEvents).toBeLessThan(2_500); // 500 activities; Temporal's limit is 51,200
    await maybeRecordHistory(env.client, env.address, 'ts-batches-batch-0003', 'ten-files');
  });

  it('derives each scheduled run’s interval from TemporalScheduledStartTime: a day of 4-hour ticks', async () => {
    const fakes = fakeActivities({ landsAfterHours: 0, transientLoadFailures: 0 });
    const ticks = ['04:00', '08:00', '12:00', '16:00', '20:00']
      .map((t) => new Date(`2026-01-02T${t}:00Z`))
      .concat(new Date('2026-01-03T00:00:00Z'));
    const scheduled = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
    const intervals = await withWorkers('ts-ticks', fakes.activities, (q) =>
      mapSequential(ticks, async (tick) => {
        const r = await env.client.workflow.execute(platformPipeline, {
          workflowId: `ts-tick-${tick.toISOString()}`,
          taskQueue: q.workflows,
          args: [{ ...input, interval: undefined, steps: { warehouseTaskQueue: q.warehouse } }], // like a Schedule: no interval
          typedSearchAttributes: [{ key: scheduled, value: tick }],
        });
        return `${r.interval.start}/${r.interval.end}`;
      }),
    );
    expect(intervals).toEqual([
      '2026-01-02T00:00:00.000Z/2026-01-02T04:00:00.000Z',
      '2026-01-02T04:00:00.000Z/2026-01-02T08:00:00.000Z',
      '2026-01-02T08:00:00.000Z/2026-01-02T12:00:00.000Z',
      '2026-01-02T12:00:00.000Z/2026-01-02T16:00:00.000Z',
      '2026-01-02T16:00:00.000Z/2026-01-02T20:00:00.000Z',
      '2026-01-02T20:00:00.000Z/2026-01-03T00:00:00.000Z',
    ]);
  });

  // Last in this suite: the run it triggers is abandoned by a parent that may finish first, which locks the test
  // server's clock for good once time skipping is unlocked (see pipeline-schedules.test.ts); so a plain client.
  it('starts the declared pipeline its transform step triggers, with the run’s interval, once', async () => {
    const fakes = fakeActivities({ landsAfterHours: 0, transientLoadFailures: 0 });
    const refreshed: string[] = [];
    fakes.activities.runSqlStatements = ({ statements, interval: i }) => {
      refreshed.push(`${statements[0]} ${i.start}`);
      return Promise.resolve({ rowsChanged: [0] });
    };
    const config = configOf({
      pipeline: { name: 'platform' },
      pipelines: [
        {
          name: 'marts',
          triggers: [{ pipeline: 'platform', step: 'transform' }],
          steps: [{ name: 'refresh', kind: 'sql', sql: "select 'refresh'" }],
        },
      ],
    });
    const { downstream } = pipelineInput(config, interval);
    expect(downstream?.map((d) => [d.step, d.plan.pipeline])).toEqual([['transform', 'marts']]);
    const client = new Client({ connection: env.connection, namespace: env.namespace });
    const { result, marts, trigger } = await withWorkers('ts-trigger', fakes.activities, async (queues) => {
      const steps = { warehouseTaskQueue: queues.warehouse };
      const args: [PlatformPipelineInput] = [{ ...input, steps, downstream }];
      const result = await client.workflow.execute(platformPipeline, {
        workflowId: 'ts-trigger',
        taskQueue: queues.workflows,
        args,
      });
      const h = client.workflow.getHandle<typeof pipelineRun>(result.triggered?.[0] ?? 'none');
      return { result, marts: await h.result(), trigger: (await h.describe()).typedSearchAttributes.get(EDP_TRIGGER) };
    });
    expect(result.status).toBe('succeeded');
    expect(result.triggered).toEqual([pipelineWorkflowId('marts', interval)]);
    expect([marts.pipeline, marts.interval, marts.status, trigger]).toEqual([
      'marts',
      interval,
      'succeeded',
      'platform.transform',
    ]);
    expect(refreshed).toEqual([`select 'refresh' ${interval.start}`]);
  });
});
