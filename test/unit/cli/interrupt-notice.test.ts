import { join } from 'node:path';
import { loadConfig } from '../../../workers/config';

/** Handles whose run ends only when the test is over: the command waits until Ctrl-C, as on a run stuck in a sensor. */
const started: string[] = [];
const endRuns: Array<() => void> = [];
jest.mock('../../../cli/session', () => ({
  ...jest.requireActual<object>('../../../cli/session'),
  temporalClient: () =>
    Promise.resolve({
      client: {
        workflow: {
          start: (_type: unknown, options: { workflowId: string }) => {
            started.push(options.workflowId);
            return Promise.resolve({
              workflowId: options.workflowId,
              firstExecutionRunId: 'r1',
              result: () => new Promise((_, reject) => endRuns.push(() => reject(new Error('test over')))),
              query: () => Promise.resolve(undefined),
            });
          },
        },
      },
      close: () => Promise.resolve(),
    }),
  withWorker: <T>(_config: unknown, fn: () => Promise<T>) => fn(),
}));

import { qualityRun } from '../../../cli/quality-commands';
import { slaCheckNow } from '../../../cli/sla-commands';
import { streamBackfill } from '../../../cli/stream-commands';
import { tmpDir } from '../../helpers/tmp';

const REPO = join(__dirname, '..', '..', '..');
const config = loadConfig({
  file: join(REPO, 'edp.config.yaml'),
  env: { EDP_STATE_DIR: tmpDir('edp-interrupt-') },
}).config;

/**
 * Ctrl-C on every command that waits on a workflow (Temporal's client faked: its runs never end) says the
 * run goes on and how to cancel it, through the one helper `edp run`, `edp backfill` and `edp dbt` use.
 */
describe('Ctrl-C while a command waits on its workflow', () => {
  const printed: string[] = [];
  beforeEach(() => {
    started.length = 0;
    printed.length = 0;
    jest.spyOn(console, 'log').mockImplementation((m: string) => void printed.push(m));
    jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
  });
  let waiting: Promise<unknown> | undefined;
  afterEach(async () => {
    // The command stops polling once its run ends.
    for (const end of endRuns.splice(0)) end();
    await waiting;
    jest.restoreAllMocks();
  });

  const interrupted = async (wait: () => Promise<number>): Promise<string> => {
    waiting = wait().catch((err: Error) => err.message);
    for (let i = 0; started.length === 0 && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    expect(started).toHaveLength(1);
    expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
    expect(() => process.emit('SIGINT')).toThrow('exit 130');
    return printed.join('\n');
  };

  it.each([
    ['edp quality run', () => qualityRun(config, [], undefined, () => undefined)],
    ['edp sla check', () => slaCheckNow({ ...config, slas: { ...config.slas, latencyMinutes: 60 } }, () => undefined)],
    [
      'edp stream backfill',
      () =>
        streamBackfill(config, { topic: config.streaming.topics[0].topic, fromOffset: 0, wait: true }, () => undefined),
    ],
  ])('%s says the run continues and how to cancel it', async (_name, wait) => {
    const out = await interrupted(wait);
    expect(out).toContain(`stopped waiting; the run ${started[0]} stays open in Temporal`);
    expect(out).toContain(`to cancel it: npx edp cancel ${started[0]}`);
  });
});
