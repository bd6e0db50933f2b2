import type { WorkerRole } from '../../lib/config/schema';
import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp worker`: a worker in the foreground, of the role `--role` or `worker.role` names. */
export const workerCommand: CliCommand = {
  name: 'worker',
  help: [
    [
      'worker [--role workflows|activities|streaming|all]',
      'run a worker in the foreground (Ctrl-C stops it cleanly); --role: which queues it polls (docs/deploy.md)',
    ],
  ],
  options: { role: { type: 'string' } },
  async run({ config, opts, log }) {
    const role = opts.string('role');
    const { WORKER_ROLES } = await import('../../lib/config/schema');
    if (role !== undefined && !(WORKER_ROLES as readonly string[]).includes(role))
      throw new UsageError(`--role must be one of ${WORKER_ROLES.join(', ')}, got "${role}"`);
    const { runWorker } = await import('../../workers/worker');
    await runWorker(config, { log, role: role as WorkerRole | undefined });
    return 0;
  },
};
