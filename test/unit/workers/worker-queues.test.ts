import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../workers/config';
import { sharedQueues } from '../../../workers/worker';
import { workerParts } from '../../../workers/worker-roles';
import { tmpDir } from '../../helpers/tmp';

function configWith(yaml: string) {
  const file = join(tmpDir(), 'edp.config.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} }).config;
}

const shape = (groups: ReturnType<typeof sharedQueues>) => groups.map((g) => g.map((p) => `${p.part}@${p.taskQueue}`));

describe('the Temporal workers a worker process runs (sharedQueues)', () => {
  it('runs one worker per queue by default, as before', () => {
    const config = configWith('');
    expect(shape(sharedQueues(workerParts(config, 'all')))).toEqual([
      ['workflows@edp-workflows'],
      ['activities@edp-warehouse'],
      ['streaming@edp-warehouse-streaming'],
    ]);
  });

  it('runs workflows and the batch activities in one worker when they share a queue, so activities can start eagerly', () => {
    const config = configWith('temporal:\n  taskQueues: { workflows: edp, warehouse: edp }\n');
    expect(shape(sharedQueues(workerParts(config, 'all')))).toEqual([
      ['workflows@edp', 'activities@edp'],
      ['streaming@edp-streaming'],
    ]);
    // A role that runs one part still gets one worker.
    expect(shape(sharedQueues(workerParts(config, 'workflows')))).toEqual([['workflows@edp']]);
    expect(shape(sharedQueues(workerParts(config, 'activities')))).toEqual([['activities@edp']]);
  });

  it('never merges two activity parts, whatever their queues', () => {
    const config = configWith('temporal:\n  taskQueues: { warehouse: wh, streaming: wh }\n');
    expect(shape(sharedQueues(workerParts(config, 'all')))).toEqual([
      ['workflows@edp-workflows'],
      ['activities@wh'],
      ['streaming@wh'],
    ]);
  });
});
