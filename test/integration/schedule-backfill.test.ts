import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { backfill } from '../../cli/backfill-command';
import { startPipeline } from '../../cli/pipeline-run';
import { schedulesApply } from '../../cli/schedule-commands';
import { ensureTemporalBinaries } from '../../infra/install';
import { pipelineScheduleId, scheduledPipelineIdPrefix } from '../../lib/ids';
import { intervalsBetween } from '../../lib/intervals';
import { EDP_INTERVAL_START, EDP_STATUS } from '../../lib/search-attributes';
import { withWorker } from '../../cli/session';
import { landSample, testClient, testConfig, warehouseFingerprint } from '../helpers/platform';
import { testServices } from '../setup/test-services';

// Landing-file tables: SQL-source extracts take whatever is above the watermark, so which run loads a row depends on order.
const quiet = (): void => {};

const rawOnly = (fp: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(fp).filter(
      ([t]) => (t.startsWith('raw.') && !t.startsWith('raw.operational_')) || t === 'audit.ingest_manifest',
    ),
  );

/**
 * The 4-hour Temporal Schedule on the dev server, replayed with the exact `temporal schedule backfill`
 * command docs/backfill.md gives: each backfilled run derives its interval from its scheduled time and
 * loads the same raw rows as a run started for that interval directly.
 */
describe('schedule and backfill (dev server, DuckDB)', () => {
  const day = intervalsBetween(new Date('2026-05-01T00:00Z'), new Date('2026-05-01T12:00Z'), 4); // three intervals
  const pipeline = { heartbeatSeconds: 5, sensor: { pokeMinutes: 1, timeoutMinutes: 1 }, schedule: { paused: true } };

  it('backfills three intervals through the schedule with the same raw rows as direct runs', async () => {
    // Direct runs, one interval at a time.
    // A pipeline name of its own: a manual run and a scheduled run of one interval share one workflow id.
    const direct = testConfig('it-direct', { pipeline: { ...pipeline, name: 'direct_runs' } });
    for (const i of day) await landSample(direct, i);
    await withWorker(
      direct.config,
      async () => {
        const { client, close } = await testClient(direct.config);
        try {
          for (const i of day)
            expect((await (await startPipeline(client, direct.config, i)).result()).status).toBe('succeeded');
        } finally {
          await close();
        }
      },
      quiet,
    );

    // The same intervals through the schedule.
    const scheduled = testConfig('it-scheduled', { pipeline });
    for (const i of day) await landSample(scheduled, i);
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    const { client, close } = await testClient(scheduled.config);
    try {
      await withWorker(
        scheduled.config,
        async () => {
          expect(await schedulesApply(scheduled.config, () => {})).toBe(0);
          expect(await schedulesApply(scheduled.config, () => {})).toBe(0); // idempotent: an update, not an error
          // Schedule times are interval ends: the runs at 04:00, 08:00 and 12:00 cover [00:00, 12:00).
          await promisify(execFile)(ensureTemporalBinaries().temporal, [
            'schedule',
            'backfill',
            '--schedule-id',
            pipelineScheduleId(scheduled.config.pipeline.name),
            '--start-time',
            '2026-05-01T04:00:00Z',
            '--end-time',
            '2026-05-01T12:00:00Z',
            '--overlap-policy',
            'AllowAll',
            '--address',
            testServices().temporalAddress,
          ]);
          const query = `WorkflowId STARTS_WITH '${scheduledPipelineIdPrefix(scheduled.config.pipeline.name)}-2026-05-01'`;
          for (let done = 0; done < 3;) {
            await new Promise((r) => setTimeout(r, 250));
            done = 0;
            for await (const wf of client.workflow.list({ query })) if (wf.status.name === 'COMPLETED') done++;
          }
          const runs = [];
          for await (const wf of client.workflow.list({ query })) runs.push(wf);
          expect(runs.map((r) => r.typedSearchAttributes.get(EDP_INTERVAL_START)?.toISOString()).sort()).toEqual(
            day.map((i) => i.start),
          );
          expect(runs.every((r) => r.typedSearchAttributes.get(EDP_STATUS) === 'succeeded')).toBe(true);

          // edp backfill sees them: nothing missing in [00:00, 12:00), one interval missing when the range grows.
          log.mockClear();
          await backfill(
            scheduled.config,
            {
              from: new Date('2026-05-01T00:00Z'),
              to: new Date('2026-05-01T16:00Z'),
              mode: 'missing',
              concurrency: 2,
              dryRun: true,
            },
            () => {},
          );
          const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
          expect(printed).toMatch(/\[2026-05-01T00:00Z, 2026-05-01T04:00Z\)\s+succeeded\s+skip/);
          expect(printed).toMatch(/\[2026-05-01T12:00Z, 2026-05-01T16:00Z\)\s+none\s+run/);
          expect(printed).toContain('1 of 4 intervals to run (mode missing, concurrency 2) — dry run, nothing started');
        },
        quiet,
      );
    } finally {
      log.mockRestore();
      await client.schedule
        .getHandle(pipelineScheduleId(scheduled.config.pipeline.name))
        .delete()
        .catch(() => undefined);
      await close();
    }

    expect(rawOnly(await warehouseFingerprint(scheduled.config.warehouse.duckdb.path))).toEqual(
      rawOnly(await warehouseFingerprint(direct.config.warehouse.duckdb.path)),
    );
  }, 180_000);
});
