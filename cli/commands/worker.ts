import { runWorker } from '../../workers/worker';
import type { CliCommand } from '../command';

/** `edp worker`: a worker in the foreground. */
export const workerCommand: CliCommand = {
  name: 'worker',
  help: [['worker', 'run a worker in the foreground (Ctrl-C stops it cleanly)']],
  async run({ config, log }) {
    await runWorker(config, { log });
    return 0;
  },
};
