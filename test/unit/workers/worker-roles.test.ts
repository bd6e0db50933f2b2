import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../lib/errors';
import { loadConfig } from '../../../workers/config';
import { slotOptions, workerParts } from '../../../workers/worker-roles';
import { heldFileError } from '../../../workers/worker-warehouse';
import { tmpDir } from '../../helpers/tmp';

function configWith(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const file = join(tmpDir(), 'edp.config.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env }).config;
}

describe('worker roles and slots (config `worker`, `temporal.taskQueues.streaming`)', () => {
  it('defaults to one process polling every queue, stream consumers on a queue of their own', () => {
    const config = configWith('temporal:\n  taskQueues: { warehouse: wh }\n');
    expect(config.worker.role).toBe('all');
    expect(config.temporal.taskQueues.streaming).toBe('wh-streaming');
    expect(workerParts(config, 'all').map((p) => [p.part, p.taskQueue, p.runs])).toEqual([
      ['workflows', 'edp-workflows', 'workflows'],
      ['activities', 'wh', 'activities'],
      ['streaming', 'wh-streaming', 'activities'],
    ]);
    expect(slotOptions(config.worker.activities)).toEqual({}); // the SDK's defaults, as before
  });

  it('gives each role its own queue and slots', () => {
    const config = configWith(
      [
        'temporal:',
        '  taskQueues: { streaming: consumers }',
        'worker:',
        '  role: activities',
        '  workflows: { maxConcurrentWorkflowTaskExecutions: 50, maxCachedWorkflows: 0 }',
        '  activities: { maxConcurrentActivityTaskExecutions: 8 }',
        '  streaming: { maxConcurrentActivityTaskExecutions: 100 }',
        '',
      ].join('\n'),
    );
    expect(workerParts(config, config.worker.role).map((p) => p.taskQueue)).toEqual(['edp-warehouse']);
    const [streaming] = workerParts(config, 'streaming');
    expect([streaming.taskQueue, slotOptions(streaming.slots)]).toEqual([
      'consumers',
      { maxConcurrentActivityTaskExecutions: 100 },
    ]);
    expect(slotOptions(workerParts(config, 'workflows')[0].slots)).toEqual({
      maxConcurrentWorkflowTaskExecutions: 50,
      maxCachedWorkflows: 0,
    });
  });

  it('takes the role from EDP_WORKER__ROLE and refuses an unknown role or slot key, naming it', () => {
    expect(configWith('', { EDP_WORKER__ROLE: 'streaming' }).worker.role).toBe('streaming');
    expect(() => configWith('worker:\n  role: batch\n')).toThrow(/worker\.role/);
    expect(() => configWith('worker:\n  activities: { maxConcurrent: 3 }\n')).toThrow(/worker\.activities/);
  });

  it('tells a second worker on a single-writer file which file, which process, and the ways out', () => {
    const config = configWith('');
    const err = heldFileError(
      config,
      '/srv/edp/warehouse.duckdb',
      new Error(
        'IO Error: Could not set lock on file "/srv/edp/warehouse.duckdb": Conflicting lock is held in /usr/bin/node (PID 4242)',
      ),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(
      /^warehouse\.engine: \/srv\/edp\/warehouse\.duckdb is held by another worker \(pid 4242\)/,
    );
    expect(err.message).toContain('duckdb allows one worker per file');
    expect(err.message).toContain('worker.activities.maxConcurrentActivityTaskExecutions');
    expect(err.message).toContain('edp worker --role workflows');
    expect(err.message).toContain('warehouse.engine: snowflake');
  });
});
