import { z } from 'zod';
import { identifier, positiveInt } from './primitives';

/** An activity retry policy: the first retry after `initialSeconds`, each next one `backoff` times later, at most `maxSeconds` apart. */
const retryPolicySchema = z
  .object({
    initialSeconds: positiveInt.default(10),
    backoff: z.number().min(1).default(2),
    maxSeconds: positiveInt.default(600),
    /** Attempts in all, the first included. */
    maxAttempts: positiveInt.default(8),
  })
  .strict();
/** A retry policy after defaults. */
export type RetryPolicyConfig = z.infer<typeof retryPolicySchema>;

/** The `pipeline` section: the interval, how ingest spreads, retries, the sensor and the Temporal Schedule. */
export const pipelineSchema = z
  .object({
    name: identifier.default('platform'),
    intervalHours: positiveInt.max(24).default(4),
    /** How batch ingest spreads its work. */
    ingest: z
      .object({
        /** Files (and SQL tables) loading at once. */
        maxParallel: positiveInt.max(64).default(4),
        /** Above this many files in one interval, batches of this size load in child workflows. */
        filesPerChild: positiveInt.default(200),
      })
      .strict()
      .default({}),
    /** Seconds without a heartbeat after which an activity's worker is presumed dead and it is retried. */
    heartbeatSeconds: positiveInt.default(30),
    /**
     * Exponential-backoff retry policy per activity class (`ingest`, `transform`, `quality`, `export`,
     * `sla`); `default` applies where a class sets nothing. A step that exhausts its attempts fails the
     * run and is recorded in `audit.dead_letters`.
     */
    retries: z
      .object({
        default: retryPolicySchema.default({}),
        ingest: retryPolicySchema.partial().optional(),
        transform: retryPolicySchema.partial().optional(),
        quality: retryPolicySchema.partial().optional(),
        export: retryPolicySchema.partial().optional(),
        /** The next check comes soon anyway. */
        sla: retryPolicySchema.partial().default({ maxAttempts: 3 }),
      })
      .strict()
      .default({}),
    sensor: z
      .object({ pokeMinutes: positiveInt.default(10), timeoutMinutes: positiveInt.default(240) })
      .strict()
      .default({}),
    /** The Temporal Schedule `edp schedules apply` creates: one run per interval. */
    schedule: z
      .object({
        /** What to do when a run is due while the previous one still runs. */
        overlap: z.enum(['skip', 'bufferOne', 'bufferAll', 'cancelOther', 'allowAll']).default('bufferOne'),
        /** After an outage, due runs older than this are skipped instead of caught up. */
        catchupWindowMinutes: positiveInt.default(24 * 60),
        /** Minutes after the interval end at which its run starts, so late files have landed. */
        offsetMinutes: z.number().int().nonnegative().default(0),
        /** Create the schedule paused (runs only on trigger or backfill). */
        paused: z.boolean().default(false),
      })
      .strict()
      .default({}),
  })
  .strict()
  .default({});
/** The validated `pipeline` section. */
export type PipelineConfig = z.infer<typeof pipelineSchema>;
