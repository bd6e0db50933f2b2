import { join } from 'node:path';
import { startPipeline } from '../../cli/pipeline-run';
import { stepWorkflowId } from '../../lib/ids';
import type { DataInterval } from '../../lib/intervals';
import { readWithDeltaRs } from '../helpers/delta';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';
import { landSample, testClient, testConfig, warehouseFingerprint } from '../helpers/platform';

/** Waits until the given step's child workflow has started. */
async function waitForStep(step: 'ingest' | 'transform', interval: DataInterval): Promise<void> {
  const { client, close } = await testClient();
  try {
    for (;;) {
      try {
        await client.workflow.getHandle(stepWorkflowId(step, interval)).describe();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
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
    const { client, close } = await testClient();
    try {
      const handle = await startPipeline(client, loaded.config, interval);
      let statusAtKill: string | undefined;
      if (killAt) {
        await waitForStep(killAt, interval);
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
        result,
        statusAtKill,
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
    },
    300_000,
  );
});
