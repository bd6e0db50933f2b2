import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../workers/config';
import { tmpDir } from '../../helpers/tmp';
import { pipelineInput } from '../../../workers/workflow-inputs';
import { retryFor } from '../../../workflows/step-options';

describe('retry policy per activity class', () => {
  it('takes a class’s own settings over the default ones, and the built-in ones where config says nothing', () => {
    const file = join(tmpDir(), 'edp.config.yaml');
    writeFileSync(
      file,
      'pipeline:\n  retries:\n    default: { maxAttempts: 5 }\n    ingest: { initialSeconds: 2, maxAttempts: 20 }\n',
    );
    const { config } = loadConfig({ file, env: {} });
    const steps = pipelineInput(config).steps;
    expect(retryFor(steps, 'ingest')).toEqual({ initialSeconds: 2, backoff: 2, maxSeconds: 600, maxAttempts: 20 });
    expect(retryFor(steps, 'transform')).toEqual({ initialSeconds: 10, backoff: 2, maxSeconds: 600, maxAttempts: 5 });
    expect(retryFor(steps, 'sla').maxAttempts).toBe(3);
    expect(retryFor({ ...steps, maximumAttempts: 1 }, 'ingest').maxAttempts).toBe(1);
  });
});
