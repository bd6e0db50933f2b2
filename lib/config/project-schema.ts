import { z } from 'zod';
import { identifier } from './primitives';
import { storagePath } from './s3-schema';

// Long-running by nature: they stay activities, whose heartbeats let the server notice a hung attempt and
// deliver a cancellation; a local activity has no heartbeat.
const HEARTBEATING_MATERIALIZATIONS = ['incremental', 'snapshot', 'seed'];

/** A list of materialization names that refuses incremental, snapshot and seed with `why`. */
const materializationsBut = (why: string) =>
  z.array(
    z
      .string()
      .min(1)
      .refine((m) => !HEARTBEATING_MATERIALIZATIONS.includes(m), { message: why }),
  );

/** The `transform` section: the dbt project and its target schema and threads. */
export const transformSchema = z
  .object({
    /** The dbt project the transform runs (dbt_project.yml inside); relative to the config file's folder. */
    projectDir: z.string().min(1).default('models'),
    /** Schema for models that set none (dbt's `target.schema`). */
    targetSchema: identifier.default('main'),
    /** Nodes built at once (dbt's `threads`). */
    threads: z.number().int().min(1).max(64).default(4),
    /**
     * Materializations whose nodes run as local activities inside the workflow worker (no server round trip
     * per node), when that worker also runs the transform activities; empty: every node is an activity.
     */
    localNodes: materializationsBut(
      'incremental, snapshot and seed nodes heartbeat while they run, which local activities cannot',
    ).default([]),
    /**
     * Most ready nodes run one after the other in one activity (one server round trip for all of them); 1: one
     * activity per node. Only nodes of `batchMaterializations`, never local ones or tables with quality rules.
     */
    batchNodes: z.number().int().min(1).max(32).default(8),
    /**
     * Materializations whose nodes may share an activity (`batchNodes`): short ones by default (a node riding
     * along waits for the batch's earlier nodes, even when a thread frees meanwhile, so long tables can lose).
     * Not incremental, snapshot or seed: a batch's retry or fallback could run them again beside a late attempt.
     */
    batchMaterializations: materializationsBut(
      'incremental, snapshot and seed nodes always run in their own activity',
    ).default(['view', 'ephemeral', 'test']),
  })
  .strict()
  .default({});

/** The `quality` section: where the data-quality rule files are. */
export const qualitySchema = z
  .object({
    /** Folder of the data-quality rule files; relative to the config file's folder. */
    rulesDir: z.string().min(1).default('quality/rules'),
  })
  .strict()
  .default({});

/** How an export replaces data: the whole table, or only the run's data-interval partition. */
export const exportModeSchema = z.enum(['overwrite', 'partition']);
/** An export mode. */
export type ExportMode = z.infer<typeof exportModeSchema>;

/** The `export` section: where Delta tables are written and which marts are published. */
export const exportSchema = z
  .object({
    /** A folder (relative to stateDir) or `s3://bucket/prefix`: each mart is a Delta table beneath it. */
    path: storagePath.default('export'),
    /** Marts to publish: a name (overwrite mode) or `{ name, mode }`. */
    marts: z
      .array(
        z.union([
          identifier.transform((name) => ({ name, mode: 'overwrite' as const })),
          z.object({ name: identifier, mode: exportModeSchema.default('overwrite') }).strict(),
        ]),
      )
      .default([]),
  })
  .strict()
  .default({});
