import { z } from 'zod';
import { identifier, positiveInt } from './primitives';

/** The `slas` section: the pipeline's service levels, checked every `checkEveryMinutes`. */
export const slasSchema = z
  .object({
    /** How often `slaCheck` runs (its own Temporal Schedule, made by `edp schedules apply`). */
    checkEveryMinutes: positiveInt.default(5),
    /** A run must finish within this many minutes of its interval's end. */
    latencyMinutes: positiveInt.optional(),
    /** The latest scored interval's lowest table quality score (0–100) must be at least this. */
    qualityScoreMin: z.number().min(0).max(100).optional(),
    /** Share of the intervals in the window that have a completed run. */
    availability: z
      .object({ percent: z.number().min(0).max(100), windowHours: positiveInt.default(24) })
      .strict()
      .optional(),
    /** Newest value of `column` in `table` must be at most `maxMinutes` old. */
    freshness: z
      .array(
        z
          .object({
            table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table'),
            column: identifier,
            maxMinutes: positiveInt,
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .default({});
/** The pipeline's SLAs after defaults. */
export type SlaConfig = z.infer<typeof slasSchema>;
