import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/common';
import { createExtractActivities } from '../../activities/ingest';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { extractWarnings } from '../../cli/extract-warnings';
import { writeSampleSources } from '../../cli/sample-files';
import { resetWatermarks } from '../../cli/source-refresh';
import { pipelineWorkflowId, stepWorkflowId } from '../../lib/ids';
import { parseInterval } from '../../lib/intervals';
import { EDP_STATUS } from '../../lib/search-attributes';
import { landingSensorQuery } from '../../workflows/batch-ingest';
import { testClient, testConfig } from '../helpers/platform';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';

const EDP = join(__dirname, '..', '..', 'bin', 'edp.js');

/** `edp …` as a user runs it: its own process, the test's config file. */
function edp(configFile: string, args: string[]): { child: ChildProcess; out: () => string; exit: Promise<number> } {
  const child = spawn(process.execPath, [EDP, ...args], {
    env: { ...process.env, EDP_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  const exit = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  return { child, out: () => text, exit };
}

/** Runs `edp …` to its end: exit code and everything it printed. */
async function edpDone(configFile: string, args: string[]): Promise<{ code: number; out: string }> {
  const run = edp(configFile, args);
  const code = await run.exit;
  return { code, out: run.out() };
}

/** Resolves once the process has printed a match of `pattern`. */
async function printed(run: ReturnType<typeof edp>, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  for (const until = Date.now() + timeoutMs; Date.now() < until;) {
    const m = pattern.exec(run.out());
    if (m) return m[0];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${pattern} in:\n${run.out()}`);
}

/** The first hour with the CLI (issue 17): intervals checked, waiting explained, causes printed, runs cancelled. */
describe('edp run, cancel and failures (CLI processes, dev server)', () => {
  const loaded = testConfig('it-cli-run', {
    pipeline: { name: 'clirun', heartbeatSeconds: 5, sensor: { pokeMinutes: 1, timeoutMinutes: 30 } },
  });
  let worker: ChildProcess | undefined;

  afterAll(async () => {
    if (worker) await stopGracefully(worker);
  });

  it('refuses an interval that is not one of the schedule’s, naming the nearest valid ones; a day names the backfill', async () => {
    const refused = async (args: string[], ...messages: string[]): Promise<void> => {
      const r = await edpDone(loaded.file, args);
      expect(r.code).not.toBe(0);
      for (const m of messages) expect(r.out).toContain(m);
    };
    const nearest = 'the nearest valid: 2026-09-01T04:00Z/2026-09-01T08:00Z or 2026-09-01T08:00Z/2026-09-01T12:00Z';
    await refused(['run', '--interval', '2026-09-01T05:00Z/2026-09-01T09:00Z', '--no-wait'], nearest);
    await refused(
      ['run', '--interval', '2026-09-01/2026-09-02', '--no-wait'],
      'spans 6 of the pipeline',
      'npx edp backfill --from 2026-09-01T00:00Z --to 2026-09-02T00:00Z --mode all',
    );
    const around = 'the nearest valid: 2026-09-01T04:00Z/2026-09-02T00:00Z or 2026-09-01T00:00Z/2026-09-02T00:00Z';
    await refused(['backfill', '--from', '2026-09-01T01:00Z', '--to', '2026-09-02T00:00Z'], around);

    // Nothing started: the 00:00 interval's id is not taken by the day's run.
    const { client, close } = await testClient(loaded.config);
    try {
      const first = parseInterval('2026-09-01T00:00Z/2026-09-01T04:00Z');
      await expect(
        client.workflow
          .getHandle(pipelineWorkflowId('clirun', first, loaded.config.pipeline.schedule.offsetMinutes))
          .describe(),
      ).rejects.toThrow(WorkflowNotFoundError);
    } finally {
      await close();
    }
  }, 120_000);

  it('says what the sensor waits for, goes on after Ctrl-C, attaches, and edp cancel ends the run', async () => {
    worker = await startWorkerProcess(loaded.file, join(loaded.config.stateDir, 'worker.log'));
    const interval = parseInterval('2026-09-02T04:00Z/2026-09-02T08:00Z');
    const id = pipelineWorkflowId('clirun', interval, loaded.config.pipeline.schedule.offsetMinutes);
    const { client, close } = await testClient(loaded.config);
    const run = edp(loaded.file, ['run', '--interval', '2026-09-02T04:00Z/2026-09-02T08:00Z']);
    try {
      await printed(run, new RegExp(`started ${id}`));
      // No landing files: the CLI says which names it waits for, how many it found and when it gives up.
      await printed(
        run,
        /ingest +waiting for landing files: found 0 of 6; missing members\/members_20260902T0400\.csv, .* times out at 2026-\S+Z/,
      );

      // The same as data (the landingSensor query) and in the Web UI (the ingest run's current details).
      const ingest = client.workflow.getHandle(stepWorkflowId('clirun', 'ingest', interval));
      expect(await ingest.query(landingSensorQuery)).toMatchObject({
        state: 'waiting',
        found: 0,
        expected: 6,
        waitingFor: expect.arrayContaining(['claims/claims_20260902T0400.csv']) as unknown,
      });
      const metadata: { currentDetails?: string } = await ingest.query('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toMatch(/^waiting for landing files: found 0 of 6; missing members/);

      // Ctrl-C stops the waiting, not the run, and says how to cancel it.
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(130);
      expect(run.out()).toContain(`the run ${id} continues in Temporal on the running worker`);
      expect(run.out()).toContain(`npx edp cancel ${id}`);
      expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');

      // Running the interval again joins that run and says so.
      const again = await edpDone(loaded.file, [
        'run',
        '--interval',
        '2026-09-02T04:00Z/2026-09-02T08:00Z',
        '--no-wait',
      ]);
      expect(again.code).toBe(0);
      expect(again.out).toContain(`attached to the run already in progress: ${id}`);

      // A run watched while it is cancelled ends its summary as cancelled, not failed.
      const watching = edp(loaded.file, ['run', '--interval', '2026-09-02T04:00Z/2026-09-02T08:00Z']);
      await printed(watching, new RegExp(`attached to the run already in progress: ${id}`));

      const cancelled = await edpDone(loaded.file, ['cancel', '--interval', '2026-09-02T04:00Z/2026-09-02T08:00Z']);
      expect(cancelled.out).toContain(`${id}: cancelled`);
      expect(cancelled.code).toBe(0);
      expect((await client.workflow.getHandle(id).describe()).status.name).toBe('CANCELLED');
      expect(await watching.exit).toBe(1);
      expect(watching.out()).toContain('Pipeline clirun [2026-09-02T04:00Z, 2026-09-02T08:00Z): CANCELLED');
      expect(watching.out()).not.toContain('FAILED');
      expect((await client.workflow.getHandle(id).describe()).typedSearchAttributes.get(EDP_STATUS)).toBe('cancelled');
      const twice = await edpDone(loaded.file, ['cancel', id]);
      expect(twice).toEqual({ code: 1, out: expect.stringContaining(`${id} is not running (cancelled)`) as unknown });
    } finally {
      if (run.child.exitCode === null) run.child.kill();
      await close();
    }
  }, 240_000);

  it('prints the root cause of a failed dbt build, not "Activity task failed", and exits 1', async () => {
    const failed = await edpDone(loaded.file, ['dbt', 'build', '-s', '+no_such_model']);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/build failed: .*'\+?no_such_model' matches nothing in the project \(EdpBadInput/);
    expect(failed.out).toContain('in activity planTransform');
    expect(failed.out).not.toContain('Activity task failed');
  }, 120_000);
});

/** An earlier interval extracted after a later one: warned about, and re-extracted whole on request. */
describe('SQL extract behind its watermark (PostgreSQL → DuckDB)', () => {
  it('warns that the watermark is past the interval and re-extracts the table with --full-refresh-table', async () => {
    const { config } = testConfig('it-cli-extract');
    const early = parseInterval('2026-10-01T00:00Z/2026-10-01T04:00Z');
    const late = parseInterval('2026-10-01T04:00Z/2026-10-01T08:00Z');
    expect(await writeSampleSources(config, late, 1)).toBe(1000);
    expect(await writeSampleSources(config, early, 1)).toBe(1000);
    const extract = async (interval: typeof early, runId: string) => {
      const w = await DuckDbWarehouse.open({ path: config.warehouse.duckdb.path });
      try {
        const acts = createExtractActivities({
          warehouse: w,
          sources: config.sources,
          extractDir: join(config.stateDir, 'x'),
        });
        const r = await acts.extractSqlTable({ source: 'operational', table: 'claim_status_events', interval, runId });
        const [{ n, keys }] = await w.query<{ n: unknown; keys: unknown }>(
          'SELECT count(*) AS n, count(DISTINCT event_id) AS keys FROM raw.operational_claim_status_events',
        );
        return { r, n: Number(n), keys: Number(keys) };
      } finally {
        await w.close();
      }
    };
    // The later interval first (both intervals' rows are in the source by now): it takes all of them.
    expect((await extract(late, 'late')).r).toMatchObject({ rowsLoaded: 2000 });
    const behind = await extract(early, 'early');
    expect(behind.r).toMatchObject({ rowsLoaded: 0, watermarkPastInterval: true });
    const [warning] = extractWarnings([behind.r], early);
    expect(warning).toContain(
      `operational.claim_status_events: 0 loaded: watermark ${behind.r.watermarkBefore} is after this interval`,
    );
    expect(warning).toContain(
      'to re-extract the whole table: npx edp run --interval 2026-10-01T00:00Z/2026-10-01T04:00Z --full-refresh-table operational.claim_status_events',
    );

    // The full refresh of that one table: everything again, replacing raw's rows, never doubling them.
    const said: string[] = [];
    await resetWatermarks(config, ['operational.claim_status_events'], (m) => said.push(m));
    expect(said).toEqual([expect.stringContaining('operational.claim_status_events: watermark removed')]);
    const refreshed = await extract(early, 'refresh');
    expect(refreshed.r).toMatchObject({ rowsLoaded: 2000, watermarkBefore: null });
    expect(refreshed.r.watermarkPastInterval).toBeUndefined();
    expect({ n: refreshed.n, keys: refreshed.keys }).toEqual({ n: 2000, keys: 2000 });
    await expect(resetWatermarks(config, ['operational.nope'], () => {})).rejects.toThrow(
      '--full-refresh-table operational.nope: not a SQL-source table of the config; known: operational.plans, operational.claim_status_events',
    );
  }, 120_000);
});
