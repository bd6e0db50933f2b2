import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as workflows from '../../workflows';
import { HISTORIES_DIR } from '../helpers/histories';

/**
 * Replays saved histories against today's workflow code: a change that would make running workflows
 * non-deterministic fails here. Record new fixtures with `RECORD_HISTORIES=1 npm test` after a
 * deliberate, versioned change (see docs/runbook.md).
 */
describe('replay of saved workflow histories', () => {
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

  it('has fixtures for every workflow type the worker registers, and none for a type it does not', () => {
    // The worker registers every function workflows/index.ts exports, so a new workflow type needs a fixture.
    const registered = Object.entries(workflows)
      .filter(([, v]) => typeof v === 'function')
      .map(([name]) => name);
    const types = new Set(files.map((f) => f.split('.')[0]));
    expect([...types].sort()).toEqual(registered.sort());
  });

  it.each(files)('%s replays deterministically', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, file);
  });
});
