import { z } from 'zod';
import { checkTimeZone, CronError, parseCron } from '../cron';
import { identifier, positiveInt } from './primitives';
import { exportModeSchema } from './project-schema';
import { slasSchema } from './sla-schema';

// The `pipelines` section: pipelines declared as data (docs/pipelines.md). Each runs on the generic
// `pipelineRun` workflow; the `pipeline` section stays the platform pipeline run by `platformPipeline`.

const tableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table');

/** A retry policy override: only the keys given replace the pipeline's. */
const stepRetriesSchema = z
  .object({
    initialSeconds: positiveInt,
    backoff: z.number().min(1),
    maxSeconds: positiveInt,
    maxAttempts: positiveInt,
  })
  .partial()
  .strict();

const stepBase = {
  name: identifier,
  /** Steps that must succeed first. */
  dependsOn: z.array(identifier).default([]),
  retries: stepRetriesSchema.optional(),
  /** Upper bound of the whole step. */
  timeoutMinutes: positiveInt.optional(),
  /** Tables the step writes, for table triggers (ingest adds `raw.<entity>` and `raw.<table>` itself). */
  produces: z.array(tableName).default([]),
};

const ingestStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('ingest'),
    /** Landing entities to load (`landing.entities[].name`); all when omitted, none with `[]`. */
    entities: z.array(identifier).optional(),
    /** SQL tables to extract, as `source.table`; all configured ones when omitted. */
    sqlTables: z.array(tableName).optional(),
    /** Landing sensor; `pipeline.sensor` when omitted. */
    sensor: z.object({ pokeMinutes: positiveInt, timeoutMinutes: positiveInt }).strict().optional(),
  })
  .strict();

const transformStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('transform'),
    /** dbt selectors; every node when empty. Each must match at least one node of the project. */
    select: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    /** dbt vars, under a run's `--vars`. */
    vars: z.record(z.unknown()).default({}),
    /** `transform.threads` when omitted. */
    threads: z.number().int().min(1).max(64).optional(),
  })
  .strict();

const qualityStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('quality'),
    /** Rule files of these tables (`schema.table`); all when omitted. */
    tables: z.array(tableName).optional(),
    /** A failed error-severity rule blocks the step's descendants (the run ends `blocked`). */
    gate: z.boolean().default(true),
  })
  .strict();

const exportStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('export'),
    /** Marts to publish: a name (overwrite) or `{ name, mode }`; `export.marts` when omitted. */
    marts: z
      .array(
        z.union([
          identifier.transform((name) => ({ name, mode: 'overwrite' as const })),
          z.object({ name: identifier, mode: exportModeSchema.default('overwrite') }).strict(),
        ]),
      )
      .optional(),
  })
  .strict();

const realtimeStepSchema = z.object({ ...stepBase, kind: z.literal('realtime') }).strict();

const sqlStepSchema = z
  .object({
    ...stepBase,
    kind: z.literal('sql'),
    /** Statements run in one transaction; `{{ data_interval_start }}` and `{{ data_interval_end }}` are quoted instants. */
    sql: z.union([
      z
        .string()
        .min(1)
        .transform((s) => [s]),
      z.array(z.string().min(1)).min(1),
    ]),
  })
  .strict();

/** One step of a declared pipeline, by `kind`. */
export const pipelineStepSchema = z.discriminatedUnion('kind', [
  ingestStepSchema,
  transformStepSchema,
  qualityStepSchema,
  exportStepSchema,
  realtimeStepSchema,
  sqlStepSchema,
]);
/** A validated step of a declared pipeline. */
export type PipelineStepConfig = z.infer<typeof pipelineStepSchema>;

const EVERY = /^(\d+)(h|m)$/;

/** A declared pipeline's Temporal Schedule: `every` (e.g. `4h`, `30m`) or `cron`, both in `timezone`. */
const declaredScheduleSchema = z
  .object({
    every: z.string().regex(EVERY, 'expected a duration such as 4h or 30m').optional(),
    cron: z.string().optional(),
    /** IANA zone the schedule is aligned to. */
    timezone: z.string().default('UTC'),
    /** Minutes after the interval end at which an `every` run starts (UTC-aligned `every` only). */
    offsetMinutes: z.number().int().nonnegative().default(0),
    overlap: z.enum(['skip', 'bufferOne', 'bufferAll', 'cancelOther', 'allowAll']).default('bufferOne'),
    /** After an outage, due runs older than this are skipped instead of caught up. */
    catchupWindowMinutes: positiveInt.default(24 * 60),
    paused: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string): void =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if ((s.every === undefined) === (s.cron === undefined)) issue('every', 'give exactly one of every or cron');
    try {
      checkTimeZone(s.timezone);
    } catch (err) {
      issue('timezone', (err as Error).message);
    }
    if (s.cron !== undefined) {
      try {
        parseCron(s.cron);
      } catch (err) {
        if (!(err instanceof CronError)) throw err;
        issue('cron', `does not parse: ${err.message}`);
      }
    }
    const m = s.every === undefined ? null : EVERY.exec(s.every);
    if (m && s.timezone !== 'UTC') {
      // Aligned to a zone's wall clock, `every` becomes a cron: it must divide the hour or the day.
      const [n, unit] = [Number(m[1]), m[2]];
      if (unit === 'h' ? 24 % n !== 0 : 60 % n !== 0)
        issue(
          'every',
          `in time zone ${s.timezone} it must divide ${unit === 'h' ? 'a day (1–24h)' : 'an hour (1–60m)'}`,
        );
      if (s.offsetMinutes !== 0) issue('offsetMinutes', 'is for UTC-aligned every schedules only');
    }
    if (m && Number(m[1]) === 0) issue('every', 'must be more than 0');
  });
/** A declared pipeline's schedule after defaults. */
export type DeclaredScheduleConfig = z.infer<typeof declaredScheduleSchema>;

/** What starts a pipeline besides its schedule: a step of another pipeline completing, or tables it produces. */
const triggerSchema = z
  .object({
    /** The upstream pipeline (for `step`). */
    pipeline: identifier.optional(),
    /** The upstream step whose completion starts this pipeline, with the upstream run's interval. */
    step: identifier.optional(),
    /** Tables (`schema.table`): this pipeline starts when any of them is produced by a completed step upstream. */
    tables: z.array(tableName).min(1).optional(),
  })
  .strict()
  .refine((t) => (t.step !== undefined) !== (t.tables !== undefined), 'give either pipeline and step, or tables')
  .refine((t) => t.step === undefined || t.pipeline !== undefined, 'a step trigger names its pipeline');
/** A validated trigger. */
export type TriggerConfig = z.infer<typeof triggerSchema>;

/**
 * A declared pipeline's own SLAs, in the `slas` section's shapes: latency and availability judge this pipeline's
 * runs on its schedule's intervals (cron ones included); freshness its tables. Checked by the one `slaCheck`.
 */
const pipelineSlaSchema = slasSchema
  .removeDefault()
  .pick({ latencyMinutes: true, availability: true, freshness: true });
/** A declared pipeline's SLAs after defaults. */
export type PipelineSlaConfig = z.infer<typeof pipelineSlaSchema>;

/** One declared pipeline. */
export const declaredPipelineSchema = z
  .object({
    name: identifier,
    schedule: declaredScheduleSchema.optional(),
    /** Data-aware triggers; any one starts a run. */
    triggers: z.array(triggerSchema).default([]),
    /** Steps running at once. */
    parallelism: z.number().int().min(1).max(64).default(4),
    steps: z.array(pipelineStepSchema).min(1),
    sla: pipelineSlaSchema.optional(),
  })
  .strict();
/** A validated declared pipeline. */
export type DeclaredPipelineConfig = z.infer<typeof declaredPipelineSchema>;

/** The `pipelines` section: pipelines declared as data, each its own Schedule and runs. */
export const pipelinesSchema = z.array(declaredPipelineSchema).default([]);
