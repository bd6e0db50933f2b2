import type { WorkerOptions } from '@temporalio/worker';
import type { WorkerRole, WorkerSlots } from '../lib/config/schema';
import type { EdpConfig } from './config-schema';

/** One Temporal worker inside a worker process: the queue it polls, whether it runs workflows or activities, its slots. */
export interface WorkerPart {
  /** The role it serves; also its `worker.<part>` config section. */
  part: Exclude<WorkerRole, 'all'>;
  taskQueue: string;
  /** Workflow code (the workflows queue) or the activities (the warehouse and streaming queues). */
  runs: 'workflows' | 'activities';
  slots: WorkerSlots;
}

/** The Temporal workers a process of `role` runs: `all` polls every queue, as one process on a laptop does. */
export function workerParts(config: EdpConfig, role: WorkerRole): WorkerPart[] {
  const q = config.temporal.taskQueues;
  const parts: WorkerPart[] = [
    { part: 'workflows', taskQueue: q.workflows, runs: 'workflows', slots: config.worker.workflows },
    { part: 'activities', taskQueue: q.warehouse, runs: 'activities', slots: config.worker.activities },
    { part: 'streaming', taskQueue: q.streaming, runs: 'activities', slots: config.worker.streaming },
  ];
  return role === 'all' ? parts : parts.filter((p) => p.part === role);
}

/** The Temporal worker options a part's slots set; unset keys keep the SDK's defaults. */
export function slotOptions(slots: WorkerSlots): Partial<WorkerOptions> {
  return Object.fromEntries(Object.entries(slots).filter(([, v]) => v !== undefined));
}
