import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { listDeadLetters } from '../../cli/dead-letter-commands';
import { schedulesApply } from '../../cli/schedule-commands';
import { withWorker } from '../../cli/session';
import { produceEvents } from '../../cli/stream-producer';
import type { ActionRecord } from '../../console/action-log';
import type { StreamingData } from '../../console/api/streaming';
import { consoleTokenFile } from '../../console/auth';
import { openConsole } from '../../console/serve';
import type { ConsoleServer } from '../../console/server';
import { pipelineScheduleId, pipelineWorkflowId } from '../../lib/ids';
import { intervalsBetween, type DataInterval } from '../../lib/intervals';
import { EDP_INTERVAL_START, EDP_PIPELINE } from '../../lib/search-attributes';
import { startOptions, streamingIngestInput, streamingMonitorInput } from '../../workers/workflow-inputs';
import { streamingIngest, streamingMonitor } from '../../workflows';
import { landSample, testClient, testConfig } from '../helpers/platform';
import { testKafka, testTopics, waitUntil } from '../helpers/streams';
import { screenshotDir, useChromium } from '../helpers/chromium';
import { tmpDir } from '../helpers/tmp';

const REPO = join(__dirname, '..', '..');
const IMAGES = screenshotDir();
const USER = userInfo().username;

/** The console's actions over its API with the state folder's token, as its forms post them. */
function actionsOf(server: ConsoleServer, token: string) {
  return async (name: string, body: Record<string, unknown> = {}): Promise<{ message: string; started: string[] }> => {
    const res = await fetch(`${server.url}/api/actions/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const out = (await res.json()) as { message: string; started: string[]; error?: string };
    expect([name, res.status, out.error]).toEqual([name, 200, undefined]);
    return out;
  };
}

/** Open runs of the pipeline, by visibility (what the console and `edp backfill` decide from). */
async function openRuns(client: Client, pipeline: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'platformPipeline' AND EdpPipeline = '${pipeline}' AND ExecutionStatus = 'Running'`,
  }))
    ids.push(wf.workflowId);
  return ids;
}

/** The console's actions through Temporal, each recorded with who and when; and the streaming page on real data. */
describe('console actions and streaming (dev server, DuckDB, Kafka)', () => {
  const browser = useChromium();

  it('runs an interval, retries dead letters, re-runs failed, backfills missing / failed / all, pauses and unpauses: as the signed-in user', async () => {
    // A model broken while i0 runs, so i0 fails for real (a dead letter); fixed before i3 runs, which succeeds.
    const models = join(tmpDir('edp-console-actions-models-'), 'models');
    cpSync(join(REPO, 'models'), models, { recursive: true });
    const modelFile = join(models, 'intermediate', 'int_claims_enriched.sql');
    const good = readFileSync(modelFile, 'utf8');
    writeFileSync(modelFile, good.replace('select c.*,', 'select c.*, c.no_such_column,'));
    const loaded = testConfig('it-console-actions', {
      pipeline: { name: 'console_actions', sensor: { pokeMinutes: 1, timeoutMinutes: 1 }, schedule: { paused: true } },
      transform: { projectDir: models },
      console: { port: 0 },
    });
    const { config } = loaded;
    const name = config.pipeline.name;
    const [i0, i1, i2, i3] = intervalsBetween(new Date('2026-09-01T00:00Z'), new Date('2026-09-01T16:00Z'), 4);
    for (const i of [i0, i3]) await landSample(loaded, i, { members: 60, claimsPerInterval: 200 });
    const { client, close } = await testClient(config);
    let server: ConsoleServer | undefined;

    /** Checks a run the console started: its id and interval, and Temporal's record of who started it. */
    const startedByConsole = async (id: string, interval: DataInterval): Promise<string> => {
      expect(id).toBe(pipelineWorkflowId(name, interval));
      const handle = client.workflow.getHandle(id);
      const d = await handle.describe();
      expect(d.typedSearchAttributes.get(EDP_INTERVAL_START)?.toISOString()).toBe(interval.start);
      expect(d.typedSearchAttributes.get(EDP_PIPELINE)).toBe(name);
      const [first] = (await handle.fetchHistory()).events ?? [];
      expect(first.workflowExecutionStartedEventAttributes?.identity).toBe(`edp-console:${USER}`);
      return d.runId;
    };
    /** Ends the runs the last action started (they would wait for landing files), until visibility shows none open. */
    const settle = async (ids: string[]): Promise<void> => {
      for (const id of ids) await client.workflow.getHandle(id).terminate('console-actions test: next action');
      await waitUntil('no open run of the pipeline', async () => (await openRuns(client, name)).length === 0, 30_000);
    };

    try {
      await withWorker(
        config,
        async () => {
          server = await openConsole(loaded);
          const act = actionsOf(server, readFileSync(consoleTokenFile(config), 'utf8').trim());

          // Run an interval: i0 with the broken model (a real failure and a dead letter), then i3 with it fixed.
          const run0 = await act('run', { interval: i0.start });
          expect(run0.started).toEqual([pipelineWorkflowId(name, i0)]);
          const firstRun0 = await startedByConsole(run0.started[0], i0);
          await expect(client.workflow.getHandle(run0.started[0]).result()).rejects.toThrow();
          writeFileSync(modelFile, good);
          const run3 = await act('run', { interval: i3.start });
          expect(run3.started).toEqual([pipelineWorkflowId(name, i3)]);
          await startedByConsole(run3.started[0], i3);
          expect(await client.workflow.getHandle(run3.started[0]).result()).toMatchObject({ status: 'succeeded' });
          await waitUntil('visibility shows both runs closed', async () => (await openRuns(client, name)).length === 0);
          const [letter, ...more] = await listDeadLetters(config, true);
          expect(more).toEqual([]);
          expect(letter.interval_start).toBe(i0.start.replace('.000Z', 'Z'));

          // Retry dead letters: a new run of i0, started by the console user.
          const retried = await act('retry-dead-letters');
          expect(retried.started).toEqual([pipelineWorkflowId(name, i0)]);
          expect(await startedByConsole(retried.started[0], i0)).not.toBe(firstRun0);
          await settle(retried.started);

          // Re-run failed: i0 is the grid's only failed interval (i3 succeeded).
          const rerun = await act('rerun-failed');
          expect(rerun.started).toEqual([pipelineWorkflowId(name, i0)]);
          await startedByConsole(rerun.started[0], i0);
          await settle(rerun.started);

          // Backfill [i0, i3+): missing runs only the never-run i1 and i2; failed adds i0; all adds i3, which succeeded.
          const range = { from: i0.start, to: i3.end };
          const missing = await act('backfill', { ...range, mode: 'missing' });
          expect(missing.started).toEqual([i1, i2].map((i) => pipelineWorkflowId(name, i)));
          for (const [id, i] of missing.started.map((id, k) => [id, [i1, i2][k]] as const))
            await startedByConsole(id, i);
          await settle(missing.started);
          const failed = await act('backfill', { ...range, mode: 'failed' });
          expect(failed.started).toEqual([i0, i1, i2].map((i) => pipelineWorkflowId(name, i)));
          await settle(failed.started);
          const all = await act('backfill', { from: i2.start, to: i3.end, mode: 'all' });
          expect(all.started).toEqual([i2, i3].map((i) => pipelineWorkflowId(name, i)));
          await startedByConsole(all.started[1], i3);
          await settle(all.started);

          // Pause / unpause the pipeline's Temporal Schedule; its note names who.
          expect(await schedulesApply(config, () => {})).toBe(0);
          const schedule = client.schedule.getHandle(pipelineScheduleId(name));
          try {
            expect((await schedule.describe()).state.paused).toBe(true);
            await act('unpause');
            expect((await schedule.describe()).state).toMatchObject({
              paused: false,
              note: `unpaused by ${USER} in the console`,
            });
            await act('pause', { note: 'warehouse maintenance' });
            expect((await schedule.describe()).state).toMatchObject({
              paused: true,
              note: `paused by ${USER} in the console: warehouse maintenance`,
            });
          } finally {
            await schedule.delete();
          }

          // The console's own record: every action, who, when, what it started.
          const log = (await (
            await fetch(`${server.url}/api/actions`, {
              headers: { authorization: `Bearer ${readFileSync(consoleTokenFile(config), 'utf8').trim()}` },
            })
          ).json()) as ActionRecord[];
          expect(log.map((r) => r.action).reverse()).toEqual([
            'run',
            'run',
            'retry-dead-letters',
            'rerun-failed',
            'backfill',
            'backfill',
            'backfill',
            'unpause',
            'pause',
          ]);
          for (const r of log) {
            expect(r.user).toBe(USER);
            expect(Date.now() - Date.parse(r.at)).toBeLessThan(30 * 60_000);
            expect(r.error).toBeUndefined();
          }
          expect(log.find((r) => r.action === 'pause')?.started).toEqual([pipelineScheduleId(name)]);
          expect(log[2].target).toBe(`from=${i2.start} to=${i3.end} mode=all`);
        },
        () => {},
      );
    } finally {
      await server?.close();
      for (const id of await openRuns(client, name))
        await client.workflow
          .getHandle(id)
          .terminate()
          .catch(() => {});
      await close();
    }
  }, 900_000);

  it('shows lag and latency per topic over time from a running stream and its monitor', async () => {
    const topics = testTopics('it-console-stream').slice(0, 1);
    const [topic] = topics;
    const loaded = testConfig('it-console-stream', {
      pipeline: { name: 'console_stream' },
      kafka: testKafka(),
      streaming: { topics, activitySeconds: 4, mergeEveryMs: 200, batchMaxRows: 250, monitor: { everySeconds: 1 } },
      console: { port: 0 },
    });
    const { config } = loaded;
    const { client, close } = await testClient(config);
    let server: ConsoleServer | undefined;
    const queue = config.temporal.taskQueues.workflows;
    try {
      await withWorker(
        config,
        async () => {
          const stream = await client.workflow.start(
            streamingIngest,
            startOptions(config, `${queue}-stream`, streamingIngestInput(config, topic.topic)),
          );
          const monitor = await client.workflow.start(
            streamingMonitor,
            startOptions(config, `${queue}-monitor`, streamingMonitorInput(config)),
          );
          try {
            server = await openConsole(loaded);
            const token = readFileSync(consoleTokenFile(config), 'utf8').trim();
            const streaming = async () =>
              (await (
                await fetch(`${server!.url}/api/streaming`, { headers: { authorization: `Bearer ${token}` } })
              ).json()) as StreamingData;
            // Two bursts, so the monitor sees lag rise and fall.
            for (let burst = 0; burst < 2; burst++) {
              await produceEvents({
                kafka: config.kafka,
                topics,
                rate: 300,
                durationSeconds: 2,
                dirt: 0,
                seed: burst + 1,
              });
              await new Promise((r) => setTimeout(r, 3_000));
            }
            await waitUntil(
              'the monitor has measured the stream several times, with latency figures',
              async () => {
                const points = (await streaming()).topics[topic.topic]?.points ?? [];
                return points.length >= 4 && points.some((p) => p.p99 !== null);
              },
              120_000,
            );
            const data = (await streaming()).topics[topic.topic];
            expect(data.lastMergedAt).not.toBeNull();
            expect(data.points.some((p) => p.p50 !== null && p.p95 !== null && p.p99 !== null)).toBe(true);

            const page = await browser().newPage({ viewport: { width: 1500, height: 900 } });
            await page.goto(server.signInUrl!.replace('/?token=', '/streaming?token='));
            const section = page.locator(`section[data-topic="${topic.topic}"]`);
            await section.waitFor();
            // The lag plot and the latency plot (p50, p95, p99), each with its line drawn.
            await expect(section.locator('figure.plot').count()).resolves.toBe(2);
            await expect(section.locator('figure.plot svg path').count()).resolves.toBe(4);
            expect(await section.textContent()).not.toContain('no measurements yet');
            mkdirSync(IMAGES, { recursive: true });
            await page.screenshot({ path: join(IMAGES, 'console-streaming.png'), fullPage: true });
            await page.close();
          } finally {
            await stream.cancel();
            await monitor.cancel();
          }
        },
        () => {},
      );
    } finally {
      await server?.close();
      await close();
    }
  }, 600_000);
});
