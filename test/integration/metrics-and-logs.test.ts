import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPipeline } from '../../cli/pipeline-run';
import { landSample, testClient, testConfig } from '../helpers/platform';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';
import { freePort } from '../setup/test-services';

/** A worker process with metrics and JSON logs on, running a whole pipeline on the dev server. */
describe('worker metrics and structured logs (dev server, worker process)', () => {
  it('serves SDK and platform metrics on Prometheus and logs JSON lines with workflow and run ids', async () => {
    const interval = { start: '2026-06-01T00:00:00.000Z', end: '2026-06-01T04:00:00.000Z' };
    const port = await freePort();
    const loaded = testConfig('it-metrics', { metrics: { port }, logging: { format: 'json', level: 'INFO' } });
    await landSample(loaded, interval);
    const logFile = join(loaded.config.stateDir, 'worker.log');
    const worker = await startWorkerProcess(loaded.file, logFile);
    const { client, close } = await testClient(loaded.config);
    let metrics = '';
    let result;
    try {
      const handle = await startPipeline(client, loaded.config, interval);
      result = await handle.result();
      metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } finally {
      await close();
      await stopGracefully(worker);
    }
    expect(result.status).toBe('succeeded');

    // The platform's own counters, per entity, equal the run's own accounting…
    const claims = result.ingest.files.find((f) => f.entity === 'claims')!;
    const sample = (name: string, labels: string): number => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
      if (!line) throw new Error(`no ${name}{${labels}} in:\n${metrics.slice(0, 3000)}`);
      return Number(line.split(' ').pop());
    };
    expect(sample('edp_rows_loaded', 'entity="claims"')).toBe(claims.rowsLoaded);
    expect(sample('edp_rows_quarantined', 'entity="claims"')).toBe(claims.rowsQuarantined);
    expect(metrics).toMatch(/^edp_model_duration_ms_bucket\{.*model="stg_claims"/m);
    expect(metrics).toMatch(/^edp_rows_exported\{.*mart="/m);
    // …next to Temporal's SDK metrics.
    expect(metrics).toMatch(/^temporal_activity_execution_latency/m);

    const lines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const loadedLine = lines.find((l) => l.message === 'file loaded' && l.entity === 'claims');
    expect(loadedLine).toMatchObject({
      level: 'INFO',
      workflowId: expect.stringMatching(/^edp-ingest-/),
      workflowRunId: expect.any(String),
      activityType: 'loadLandingFile',
      rowsLoaded: claims.rowsLoaded,
    });
  });
});
