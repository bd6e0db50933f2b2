import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Activities } from '../../activities';
import { loadConfig } from '../../workers/config';
import type { EdpConfig } from '../../workers/config-schema';
import { tmpDir } from './tmp';

const { INDEXED_VALUE_TYPE_KEYWORD, INDEXED_VALUE_TYPE_DATETIME } = temporal.api.enums.v1.IndexedValueType;

/** Registers the platform's search attributes (and the one a Schedule stamps) on a test server, as the dev server has them. */
export async function addSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: {
      EdpPipeline: INDEXED_VALUE_TYPE_KEYWORD,
      EdpIntervalStart: INDEXED_VALUE_TYPE_DATETIME,
      EdpStatus: INDEXED_VALUE_TYPE_KEYWORD,
      EdpParams: INDEXED_VALUE_TYPE_KEYWORD,
      EdpTrigger: INDEXED_VALUE_TYPE_KEYWORD,
      TemporalScheduledStartTime: INDEXED_VALUE_TYPE_DATETIME,
    },
  });
}

/** A loaded config with `sections` over the defaults, written to a file of its own. */
export function configOf(sections: Record<string, unknown>): EdpConfig {
  const file = join(tmpDir(), 'edp.config.yaml');
  writeFileSync(file, stringify(sections));
  return loadConfig({ file, env: {} }).config;
}

/** Queues named after a test, and the config's task queues pointed at them. */
export function queuesFor(name: string) {
  return { workflows: `${name}-workflows`, warehouse: `${name}-warehouse` };
}

/** Runs `body` while a workflow worker and a (fake) activity worker poll the test's queues. */
export async function withPipelineWorkers<T>(
  env: TestWorkflowEnvironment,
  name: string,
  activities: Partial<Activities>,
  body: () => Promise<T>,
  activitySlots = 20,
): Promise<T> {
  const queues = queuesFor(name);
  const connection = env.nativeConnection;
  const wf = await Worker.create({
    connection,
    taskQueue: queues.workflows,
    workflowsPath: require.resolve('../../workflows'),
  });
  const act = await Worker.create({
    connection,
    taskQueue: queues.warehouse,
    activities,
    maxConcurrentActivityTaskExecutions: activitySlots,
  });
  return wf.runUntil(act.runUntil(body()));
}
