import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { listDeadLetters, deadLettersRetry } from '../../cli/dead-letter-commands';
import { startPipeline } from '../../cli/pipeline-run';
import { withWorker } from '../../cli/session';
import { pipelineWorkflowId } from '../../lib/ids';
import { loadConfig } from '../../workers/config';
import { landSample, testClient, testConfig } from '../helpers/platform';

/** A run that fails lands in audit.dead_letters and is retried from the CLI once the cause is fixed. */
describe('dead letters (dev server, DuckDB)', () => {
  it('records the failed step with its error, and a retry of the interval clears it', async () => {
    const interval = { start: '2026-07-01T00:00:00.000Z', end: '2026-07-01T04:00:00.000Z' };
    const base = testConfig('it-dead-letters');
    const broken = [...base.config.export.marts.map((m) => ({ ...m })), { name: 'no_such_mart', mode: 'overwrite' }];
    const doc = parse(readFileSync(base.file, 'utf8')) as { export: { marts: unknown[] } };
    writeFileSync(base.file, stringify({ ...doc, export: { marts: broken } }));
    const bad = loadConfig({ file: base.file, env: {} }).config;
    await landSample({ ...base, config: bad }, interval);

    const { client, close } = await testClient(bad);
    try {
      await withWorker(
        bad,
        async () => {
          const handle = await startPipeline(client, bad, interval);
          await expect(handle.result()).rejects.toThrow();
        },
        () => {},
      );
      const [letter, ...more] = await listDeadLetters(bad, true);
      expect(more).toEqual([]);
      expect(letter).toMatchObject({
        workflow_id: pipelineWorkflowId(bad.pipeline.name, interval),
        interval_start: '2026-07-01T00:00:00Z',
        interval_end: '2026-07-01T04:00:00Z',
        step: 'export',
        latest_run: 'FAILED',
        error: expect.stringContaining('marts.no_such_mart does not exist'),
      });

      // Fix the cause (the config), then retry the dead letter.
      writeFileSync(base.file, stringify(doc));
      const fixed = loadConfig({ file: base.file, env: {} }).config;
      const logs: string[] = [];
      await withWorker(
        fixed,
        async () => {
          await deadLettersRetry(fixed, [letter.run_id], false, (m) => logs.push(m));
          const result = await client.workflow.getHandle(pipelineWorkflowId(bad.pipeline.name, interval)).result();
          expect(result).toMatchObject({ status: 'succeeded' });
        },
        () => {},
      );
      expect(logs[0]).toMatch(/^retrying 2026-07-01T00:00:00Z\/2026-07-01T04:00:00Z \(failed in export\)/);
      expect(await listDeadLetters(fixed, true)).toEqual([]);
      expect((await listDeadLetters(fixed, false)).map((r) => r.latest_run)).toEqual(['COMPLETED']);
      await expect(deadLettersRetry(fixed, ['no-such-run'], false, () => {})).rejects.toThrow(
        'not an open dead letter: no-such-run',
      );
    } finally {
      await close();
    }
  });
});
