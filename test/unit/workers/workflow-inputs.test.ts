import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../workers/config';
import {
  pipelineInput,
  pipelineStartOptions,
  qualityGateInput,
  realtimeRefreshInput,
  scheduledPipelineStartOptions,
  slaCheckInput,
  startOptions,
  stepOptions,
  streamingBackfillInput,
  streamingIngestInput,
  streamingMonitorInput,
  transformInput,
} from '../../../workers/workflow-inputs';
import { makeInterval } from '../../../lib/intervals';
import { EDP_INTERVAL_START, EDP_PIPELINE, EDP_STATUS } from '../../../lib/search-attributes';
import { tmpDir } from '../../helpers/tmp';

/** A config whose every workflow setting differs from its default. */
function configWith(yaml: string) {
  const file = join(tmpDir(), 'edp.config.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} }).config;
}

const config = configWith(
  [
    'temporal:',
    '  taskQueues: { workflows: wf-queue, warehouse: wh-queue }',
    'pipeline:',
    '  heartbeatSeconds: 7',
    '  retries:',
    '    default: { maxAttempts: 5 }',
    '    quality: { initialSeconds: 1, maxAttempts: 2 }',
    'transform:',
    '  threads: 9',
    'streaming:',
    '  activitySeconds: 42',
    '  monitor: { everySeconds: 3 }',
    '',
  ].join('\n'),
);

const steps = {
  warehouseTaskQueue: 'wh-queue',
  streamingTaskQueue: 'wh-queue-streaming',
  heartbeatSeconds: 7,
  retries: expect.objectContaining({
    default: expect.objectContaining({ maxAttempts: 5 }),
    quality: { initialSeconds: 1, maxAttempts: 2 },
  }),
  // transform.batchNodes and its materializations, by default.
  batchNodes: 8,
  batchMaterializations: ['view', 'ephemeral', 'test'],
};
const interval = makeInterval(new Date('2026-01-01T04:00Z'), new Date('2026-01-01T08:00Z'));

describe('workflow inputs from config', () => {
  it('gives every step the warehouse queue, heartbeat and retries the config sets', () => {
    expect(stepOptions(config)).toEqual(steps);
  });

  it('carries pipeline.retries and pipeline.heartbeatSeconds into a manual quality run (edp quality run dropped them)', () => {
    expect(qualityGateInput(config, { interval, tables: ['staging.claims'] })).toEqual({
      steps,
      interval,
      tables: ['staging.claims'],
    });
    expect(qualityGateInput(config, { tables: [] }).tables).toBeUndefined();
  });

  it('builds each workflow’s input with the same step options', () => {
    expect(pipelineInput(config, interval)).toMatchObject({ steps, interval, threads: 9 });
    expect(pipelineInput(config).interval).toBeUndefined();
    expect(transformInput(config, { command: 'build', select: ['stg_claims+'] })).toEqual({
      steps,
      command: 'build',
      select: ['stg_claims+'],
      threads: 9,
    });
    expect(transformInput(config, { threads: 2 }).threads).toBe(2);
    expect(streamingIngestInput(config, 'claims')).toEqual({ topic: 'claims', steps, activitySeconds: 42 });
    expect(streamingMonitorInput(config)).toEqual({ steps, everySeconds: 3 });
    expect(streamingBackfillInput(config, { topic: 'claims', fromOffset: 0, toOffset: 10 })).toEqual({
      topic: 'claims',
      fromOffset: 0,
      toOffset: 10,
      steps,
    });
    expect(realtimeRefreshInput(config)).toEqual({ steps });
    expect(slaCheckInput(config)).toEqual({ steps });
  });

  it('starts workflows on the configured workflows queue with one input argument', () => {
    expect(startOptions(config, 'edp-realtime', { steps: stepOptions(config) })).toEqual({
      workflowId: 'edp-realtime',
      taskQueue: 'wf-queue',
      args: [{ steps }],
    });
  });

  it('starts an interval’s pipeline run under the interval’s id, searchable by pipeline and interval start', () => {
    expect(pipelineStartOptions(config, interval)).toEqual({
      workflowId: 'edp-pipeline-platform-2026-01-01T08:00:00Z',
      taskQueue: 'wf-queue',
      args: [pipelineInput(config, interval)],
      typedSearchAttributes: [
        { key: EDP_PIPELINE, value: 'platform' },
        { key: EDP_INTERVAL_START, value: new Date('2026-01-01T04:00Z') },
        { key: EDP_STATUS, value: 'running' },
      ],
    });
  });

  it('starts a pipeline’s scheduled runs under its own prefix, without an interval, searchable by pipeline', () => {
    const claims = configWith('pipeline:\n  name: claims\n');
    const options = scheduledPipelineStartOptions(claims);
    expect(options.args[0]).toMatchObject({ pipeline: 'claims', interval: undefined });
    expect(options).toEqual({
      workflowId: 'edp-pipeline-claims',
      taskQueue: claims.temporal.taskQueues.workflows,
      args: [pipelineInput(claims)],
      typedSearchAttributes: [{ key: EDP_PIPELINE, value: 'claims' }],
    });
  });

  const root = join(__dirname, '../../..');
  const sources = (dirs: string[]): string[] =>
    dirs
      .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`))
      .filter((f) => f.endsWith('.ts'));
  const matching = (files: string[], patterns: RegExp[]): string[] =>
    files.filter((f) => patterns.some((re) => re.test(readFileSync(join(root, f), 'utf8'))));

  it('is the only module that maps config to workflow options', () => {
    // The worker reads the queues to poll them; workflow-inputs.ts is the mapping itself.
    const allowed = new Set(['workers/workflow-inputs.ts', 'workers/worker.ts']);
    const mapping = [
      /warehouseTaskQueue\s*:/,
      /taskQueues\.(workflows|warehouse)/,
      /pipeline\.(retries|heartbeatSeconds)/,
    ];
    expect(
      matching(
        sources(['cli', 'workers', 'console']).filter((f) => !allowed.has(f)),
        mapping,
      ),
    ).toEqual([]);
  });

  it('leaves workflow and schedule ids to lib/ids.ts', () => {
    expect(matching(sources(['cli', 'workers', 'console']), [/['"`]edp-[a-z-]*(\$\{|['"`])/])).toEqual([]);
  });
});
