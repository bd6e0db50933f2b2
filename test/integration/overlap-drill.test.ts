import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { startOrAttachPipeline } from '../../cli/pipeline-run';
import { schedulesApply } from '../../cli/schedule-commands';
import { withWorker } from '../../cli/session';
import { pipelineScheduleId, pipelineWorkflowId } from '../../lib/ids';
import type { EdpConfig } from '../../workers/config-schema';
import { openWarehouse } from '../../workers/warehouse-factory';
import { AVAILABLE_ENGINES } from '../helpers/engines';
import { landSample, testClient, testConfig, VOLATILE_COLUMNS } from '../helpers/platform';

const snowflake = AVAILABLE_ENGINES.find((e) => e.name === 'snowflake')!;
/** A pipeline name and interval of this suite's own: no other suite's run shares the workflow id. */
const PIPELINE = 'overlap_drill';
const interval = { start: '2026-06-03T08:00:00.000Z', end: '2026-06-03T12:00:00.000Z' };
const quiet = (): void => {};

/** The pipeline's Schedule starts the run it would start at `interval.end` (its one action in a two-minute window). */
async function scheduledStart(client: Client): Promise<void> {
  const end = Date.parse(interval.end);
  await client.schedule.getHandle(pipelineScheduleId(PIPELINE)).backfill({
    start: new Date(end - 60_000),
    end: new Date(end + 60_000),
    overlap: ScheduleOverlapPolicy.ALLOW_ALL, // the schedule's own overlap rule does not stop it: only the id can
  });
}

/** Every execution of the pipeline in visibility (whatever its id), as `<workflow id> <status>`. */
async function executions(client: Client): Promise<string[]> {
  const out: string[] = [];
  for await (const wf of client.workflow.list({ query: `EdpPipeline = '${PIPELINE}'` }))
    out.push(`${wf.workflowId} ${wf.status.name}`);
  return out;
}

/** Per raw and marts table: its row count and the rows that repeat another row (volatile audit columns left out). */
async function duplicates(config: EdpConfig): Promise<Record<string, { rows: number; duplicates: number }>> {
  const w = await openWarehouse(config);
  try {
    const out: Record<string, { rows: number; duplicates: number }> = {};
    for (const ref of await w.listTables()) {
      if (ref.schema !== 'raw' && ref.schema !== 'marts') continue;
      const cols = (await w.describeTable(ref))!.map((c) => c.name).filter((c) => !VOLATILE_COLUMNS.includes(c));
      const list = cols.map((c) => w.dialect.quoteIdent(c)).join(', ');
      const [n, d] = [w.dialect.quoteIdent('n'), w.dialect.quoteIdent('d')]; // quoted: Snowflake keeps the case
      const [row] = await w.query<{ n: unknown; d: unknown }>(
        `SELECT (SELECT count(*) FROM ${w.dialect.table(ref)}) AS ${n}, ` +
          `(SELECT count(*) FROM (SELECT DISTINCT ${list} FROM ${w.dialect.table(ref)}) t) AS ${d}`,
      );
      const rows = Number(row.n);
      out[`${ref.schema}.${ref.table}`] = { rows, duplicates: rows - Number(row.d) };
    }
    return out;
  } finally {
    await w.close();
  }
}

/**
 * The overlap drill of issue 22 on the Snowflake-protocol server: the same interval started twice at once, by
 * hand (`edp run`'s start) from one client and by the pipeline's Schedule from another. A manual and a
 * scheduled run of one interval have one workflow id, so whichever starts second attaches to (or is refused
 * for) the first: one execution, and no row loaded or built twice. Snowflake enforces no keys, so nothing
 * but that id would stop two runs from loading the same files.
 */
describe('overlap drill: one interval started by hand and by its schedule at once (Snowflake)', () => {
  it('runs it once, with no duplicate row in raw or marts', async () => {
    const loaded = testConfig('overlap-drill', {
      ...(await snowflake.configOverrides('overlap_drill')),
      pipeline: {
        name: PIPELINE,
        heartbeatSeconds: 5,
        sensor: { pokeMinutes: 1, timeoutMinutes: 1 },
        schedule: { paused: true }, // runs only when the test backfills it
      },
    });
    const { config } = loaded;
    await landSample(loaded, interval, { members: 60, providers: 8, claimsPerInterval: 300 });
    const workflowId = pipelineWorkflowId(PIPELINE, interval);
    const [manual, scheduler] = [await testClient(config), await testClient(config)];
    try {
      const log = jest.spyOn(console, 'log').mockImplementation(quiet); // the schedule table it prints
      expect(await schedulesApply(config, quiet)).toBe(0);
      log.mockRestore();
      await withWorker(
        config,
        async () => {
          // Both at once, from two clients: whichever Temporal takes first is the run.
          const [run] = await Promise.all([
            startOrAttachPipeline(manual.client, config, interval),
            scheduledStart(scheduler.client),
          ]);
          expect(run.handle.workflowId).toBe(workflowId);
          // And each kind again while it runs, so both orders happen whatever the race gave: the manual start
          // attaches, the schedule's start of the same id does not begin a second execution.
          const again = await startOrAttachPipeline(manual.client, config, interval);
          expect([again.attached, again.handle.workflowId]).toEqual([true, workflowId]);
          await scheduledStart(scheduler.client);
          expect((await run.handle.describe()).status.name).toBe('RUNNING'); // both came while the run was open

          const [first, second] = await Promise.all([run.handle.result(), again.handle.result()]);
          expect(first.status).toBe('succeeded');
          expect(second).toEqual(first);
        },
        quiet,
      );

      // Visibility catches up with the closed run; then it is the only execution the pipeline ever had.
      const closed = `${workflowId} COMPLETED`;
      while (!(await executions(manual.client)).includes(closed)) await new Promise((r) => setTimeout(r, 250));
      expect(await executions(manual.client)).toEqual([closed]);
    } finally {
      await scheduler.client.schedule
        .getHandle(pipelineScheduleId(PIPELINE))
        .delete()
        .catch(() => undefined);
      await Promise.all([manual.close(), scheduler.close()]);
    }

    const tables = await duplicates(config);
    const raw = Object.entries(tables).filter(([t]) => t.startsWith('raw.'));
    const marts = Object.entries(tables).filter(([t]) => t.startsWith('marts.'));
    expect(raw.length).toBeGreaterThanOrEqual(6);
    expect(marts.length).toBeGreaterThanOrEqual(2);
    for (const [table, { rows, duplicates: repeated }] of [...raw, ...marts]) {
      // Error tables hold the rejected rows of a file with some, and may be empty; every other table was built.
      if (!table.endsWith('_errors')) expect([table, rows > 0]).toEqual([table, true]);
      expect([table, repeated]).toEqual([table, 0]);
    }
  }, 300_000);
});
