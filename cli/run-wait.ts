import type { EdpConfig } from '../workers/config-schema';
import { localWorkers } from './worker-daemon';

/** The command that cancels a workflow run. */
export function cancelCommandFor(workflowId: string): string {
  return `npx edp cancel ${workflowId}`;
}

/** What Ctrl-C prints while a command waits on runs: they go on without it, and how to stop each. */
export function interruptNotice(config: EdpConfig, runs: readonly string[]): string {
  if (runs.length === 0) return 'stopped waiting; no run had started';
  // A worker inside this command stops with it; the runs then wait in Temporal for another one.
  const otherWorker = localWorkers(config).some((w) => w.pid !== process.pid);
  const [one, many] = otherWorker
    ? ['continues in Temporal on the running worker', 'continue in Temporal on the running worker']
    : [
        'stays open in Temporal and goes on when a worker runs (`npx edp up`)',
        'stay open in Temporal and go on when a worker runs (`npx edp up`)',
      ];
  const lines = [
    runs.length === 1 ? `stopped waiting; the run ${runs[0]} ${one}.` : `stopped waiting; ${runs.length} runs ${many}.`,
    ...runs.map((id) => `  to cancel ${runs.length === 1 ? 'it' : id}: ${cancelCommandFor(id)}`),
  ];
  return lines.join('\n');
}

/**
 * Runs `wait`, a command's wait for workflow runs. Ctrl-C meanwhile prints that the runs `runs()` names at
 * that moment go on without the command and how to cancel each, and exits with 130 (the shell's code for it).
 */
export async function interruptibleWait<T>(
  config: EdpConfig,
  runs: () => readonly string[],
  wait: () => Promise<T>,
): Promise<T> {
  const onInterrupt = (): void => {
    console.log(`\n${interruptNotice(config, runs())}`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await wait();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
