import { join } from 'node:path';
import { startPipeline } from '../../cli/pipeline-run';
import { stepWorkflowId } from '../../lib/ids';
import type { DataInterval } from '../../lib/intervals';
import { readWithDeltaRs } from '../helpers/delta';
import { waitForStep } from '../helpers/pipeline-progress';
import { nodeRunsOf, payloadDecoder } from '../../cli/transform-node-runs';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';
import type { EdpConfig } from '../../workers/config-schema';
import { landSample, testClient, testConfig, warehouseFingerprint } from '../helpers/platform';

/** Per runNode of a transform run (activity or local activity): its node and the attempts it took. */
async function nodeAttempts(
  config: EdpConfig,
  interval: DataInterval,
): Promise<{ plans: number; attempts: Map<string, number[]> }> {
  const { client, close } = await testClient(config);
  try {
    const history = await client.workflow
      .getHandle(stepWorkflowId(config.pipeline.name, 'transform', interval))
      .fetchHistory();
    let plans = 0;
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'planTransform') plans++;
    }
    const attempts = new Map<string, number[]>();
    // Activities and local activities alike: the worker may run short nodes itself (docs/transform.md#orchestration).
    for (const run of await nodeRunsOf(history.events ?? [], payloadDecoder(client))) {
      if (run.nodeId) attempts.set(run.nodeId, [...(attempts.get(run.nodeId) ?? []), ...run.attempts]);
    }
    return { plans, attempts };
  } finally {
    await close();
  }
}

/**
 * Kill -9 the worker in the middle of a run, start a new one: the run completes, and every table
 * equals that of an undisturbed run of the same interval (nothing lost, nothing duplicated).
 */
describe('worker crash mid-run (dev server, worker processes, DuckDB)', () => {
  const interval = { start: '2026-03-01T08:00:00.000Z', end: '2026-03-01T12:00:00.000Z' };
  const sample = { claimsPerInterval: 60_000, members: 5_000 };

  async function runPipeline(name: string, killAt?: 'ingest' | 'transform') {
    const loaded = testConfig(name);
    await landSample(loaded, interval, sample);
    const logFile = join(loaded.config.stateDir, 'worker.log');
    let worker = await startWorkerProcess(loaded.file, logFile);
    const { client, close } = await testClient(loaded.config);
    try {
      const handle = await startPipeline(client, loaded.config, interval);
      let statusAtKill: string | undefined;
      let doneAtKill: string[] = [];
      if (killAt) {
        doneAtKill = await waitForStep(loaded.config, killAt, interval, killAt === 'transform' ? 10 : 0);
        worker.kill('SIGKILL');
        await new Promise((r) => worker.once('exit', r));
        statusAtKill = (await handle.describe()).status.name;
        worker = await startWorkerProcess(loaded.file, logFile);
      }
      const result = await handle.result();
      await stopGracefully(worker);
      const exported = await Promise.all(
        (result.export?.marts ?? []).map(async (m) => (await readWithDeltaRs(m.path)).rows),
      );
      return {
        config: loaded.config,
        result,
        statusAtKill,
        doneAtKill,
        exported,
        tables: await warehouseFingerprint(loaded.config.warehouse.duckdb.path),
      };
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await close();
    }
  }

  let undisturbed: Awaited<ReturnType<typeof runPipeline>>;
  beforeAll(async () => {
    undisturbed = await runPipeline('crash-baseline');
  }, 120_000);

  it.each(['ingest', 'transform'] as const)(
    'killed when %s starts, completes with the same tables as an undisturbed run',
    async (killAt) => {
      const crashed = await runPipeline(`crash-at-${killAt}`, killAt);
      expect(crashed.statusAtKill).toBe('RUNNING'); // the kill really landed mid-run
      expect(crashed.result.status).toBe('succeeded');
      expect(crashed.result.ingest).toEqual(undisturbed.result.ingest);
      expect(crashed.result.transform.models.map((m) => [m.model, m.status, m.rows])).toEqual(
        undisturbed.result.transform.models.map((m) => [m.model, m.status, m.rows]),
      );
      expect(Object.keys(crashed.tables).length).toBeGreaterThan(8);
      expect(crashed.tables).toEqual(undisturbed.tables);
      expect(crashed.exported).toEqual(undisturbed.exported); // the Delta tables, read by delta-rs
      expect(crashed.exported[0].length).toBeGreaterThan(0);
      if (killAt === 'transform') {
        // Planned once; every node ran once (an activity or a local one); nodes finished before the kill were not run again.
        const { plans, attempts } = await nodeAttempts(crashed.config, interval);
        expect(plans).toBe(1);
        expect(crashed.doneAtKill.length).toBeGreaterThanOrEqual(10);
        const built = crashed.result.transform.models.filter((m) => m.type !== 'test');
        expect(built.filter((m) => !attempts.has(m.id))).toEqual([]); // every model, seed, snapshot ran
        for (const [id, tries] of attempts) expect([id, tries.length]).toEqual([id, 1]);
        for (const id of crashed.doneAtKill) expect([id, attempts.get(id)]).toEqual([id, [1]]);
      }
    },
    300_000,
  );
});
