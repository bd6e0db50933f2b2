import { z } from 'zod';
import { positiveInt } from './primitives';

/** What a worker process polls: the workflows queue, the warehouse queue, the streaming queue, or all three. */
export const WORKER_ROLES = ['workflows', 'activities', 'streaming', 'all'] as const;

/** A worker process's role (`worker.role`, `edp worker --role`). */
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** The Temporal worker options one role may set; unset keys keep the SDK's defaults. */
const slotsSchema = z
  .object({
    /** Workflow tasks (replaying a workflow's code) one process runs at once. */
    maxConcurrentWorkflowTaskExecutions: positiveInt.optional(),
    /** Workflows kept in memory between tasks (sticky cache). */
    maxCachedWorkflows: z.number().int().min(0).optional(),
    /** Activities one process runs at once: what bounds a worker's load on the warehouse. */
    maxConcurrentActivityTaskExecutions: positiveInt.optional(),
    /** Concurrent long-polls for new tasks. */
    maxConcurrentActivityTaskPolls: positiveInt.optional(),
    maxConcurrentWorkflowTaskPolls: positiveInt.optional(),
  })
  .strict();

/** Worker options of one role. */
export type WorkerSlots = z.infer<typeof slotsSchema>;

/**
 * The `worker` section: which queues this process polls (`role`) and, per role, how much it runs at
 * once. Defaults: role `all` (one process polls every queue, as a laptop runs it) and the SDK's slot counts.
 */
export const workerSchema = z
  .object({
    role: z.enum(WORKER_ROLES).default('all'),
    /** Options of the workflows queue's worker (`temporal.taskQueues.workflows`). */
    workflows: slotsSchema.default({}),
    /** Options of the batch activities' worker (`temporal.taskQueues.warehouse`). */
    activities: slotsSchema.default({}),
    /** Options of the stream consumers' worker (`temporal.taskQueues.streaming`): each consumer holds a slot for its whole run. */
    streaming: slotsSchema.default({}),
  })
  .strict()
  .default({});

/** The `worker` section after defaults. */
export type WorkerConfig = z.infer<typeof workerSchema>;
