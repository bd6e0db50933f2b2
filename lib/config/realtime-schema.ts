import { z } from 'zod';
import { curationLayers, curationReads, isLayerProblem } from './realtime-layers';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an identifier (letters, digits, _)');
const tableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table, e.g. raw.claims');

/** A lag such as `1 minute`, `90 seconds`, `2 hours`, or a number of seconds; in seconds. */
export const lagSchema = z.union([
  z.number().positive('a lag must be more than 0 seconds'),
  z
    .string()
    .regex(/^\s*\d+\s*(second|minute|hour)s?\s*$/i, "expected a lag such as '1 minute', '30 seconds' or '2 hours'")
    .transform((text) => {
      const [, n, unit] = /^\s*(\d+)\s*(second|minute|hour)/i.exec(text)!;
      return Number(n) * { second: 1, minute: 60, hour: 3600 }[unit.toLowerCase() as 'second' | 'minute' | 'hour'];
    })
    .refine((seconds) => seconds > 0, 'a lag must be more than 0 seconds'),
]);

/** One side of an integration view: a table, its change-time column, and columns named differently there. */
const sideSchema = z
  .object({
    table: tableName,
    /** The column saying when a row arrived or changed (e.g. `_edp_loaded_at`, `_edp_merged_at`). */
    changedAt: name,
    /** Integration column → this table's column, where the names differ. */
    rename: z.record(name, name).default({}),
  })
  .strict();

/** A curation table kept within a target lag of its sources; see docs/realtime.md. */
export const realtimeTableSchema = z
  .object({
    /** `curation.<name>`; its integration view (when it has `columns`, `history` and `changes`) is `integration.<name>`. */
    name,
    /** The integration view's columns (besides `_edp_changed_at` and `_edp_source`); omitted with `history` and `changes` by a table reading only curation tables. */
    columns: z.array(name).min(1).optional(),
    /** The batch-loaded table; the view takes its rows of the last `recentHours`. */
    history: sideSchema
      .extend({ recentHours: z.number().positive().default(4) })
      .strict()
      .optional(),
    /** The table taking near-real-time rows (e.g. a streaming topic's staging table). */
    changes: sideSchema.optional(),
    /** The business rules: a SELECT reading `{{ integration }}` and/or other curation tables as `{{ curation.<name> }}`. */
    sql: z.string().min(1),
    /** Overrides `realtime.targetLag`. */
    targetLag: lagSchema.optional(),
    /** Text columns the integration view cleanses: control characters and U+FFFD (bad encoding) removed, tabs, line breaks and no-break spaces made spaces, trimmed. */
    cleanse: z.array(name).default([]),
    /** A record id column in the integration view: md5 of `source` and the `key` columns, the same for a record on both sides. */
    recordId: z
      .object({
        key: z.array(name).min(1),
        /** The source system the key belongs to; default the table's name. */
        source: z.string().min(1).optional(),
        column: name.default('record_id'),
      })
      .strict()
      .optional(),
    /** Columns identifying a row of the result; with `refresh: incremental`, only changed keys are recomputed. */
    key: z.array(name).min(1).optional(),
    /** Where the platform refreshes the table (engines without self-refreshing tables, e.g. DuckDB): `full` recomputes it, `incremental` the keys changed since the last refresh. */
    refresh: z.enum(['full', 'incremental']).default('full'),
    /** Incremental: keys changed this long before the last refresh are recomputed too (rows committed after their change time). */
    overlap: lagSchema.default('10 minutes'),
    /** Incremental: a full refresh at least this often (catches rows deleted from the changes table, and late commits). */
    fullRefreshEvery: lagSchema.default('1 hour'),
  })
  .strict()
  .refine((t) => t.refresh === 'full' || t.key !== undefined, {
    message: 'refresh: incremental needs key (the columns identifying a result row)',
    path: ['key'],
  })
  .superRefine((t, ctx) => {
    const parts = [t.columns, t.history, t.changes].filter((p) => p !== undefined).length;
    if (parts !== 0 && parts !== 3)
      ctx.addIssue({
        code: 'custom',
        path: [t.columns === undefined ? 'columns' : t.history === undefined ? 'history' : 'changes'],
        message:
          'an integration view needs columns, history and changes (a table reading only curation tables has none)',
      });
    const readsIntegration = /\{\{\s*integration\s*\}\}/.test(t.sql);
    if (parts === 0 && readsIntegration)
      ctx.addIssue({
        code: 'custom',
        path: ['sql'],
        message: 'reads {{ integration }} but the table has no columns, history and changes',
      });
    if (!readsIntegration && curationReads(t.sql).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['sql'],
        message: 'reads neither {{ integration }} nor a curation table ({{ curation.<name> }})',
      });
    if (parts === 0 && t.refresh === 'incremental')
      ctx.addIssue({
        code: 'custom',
        path: ['refresh'],
        message:
          'refresh: incremental finds changed keys in the integration view; a table reading only curation tables refreshes in full',
      });
    for (const [key, list] of [
      ['cleanse', t.cleanse],
      ['recordId.key', t.recordId?.key ?? []],
    ] as const) {
      for (const [i, c] of list.entries()) {
        if (!(t.columns ?? []).includes(c))
          ctx.addIssue({ code: 'custom', path: [...key.split('.'), i], message: `"${c}" is not one of columns` });
      }
    }
    if (t.recordId && [...(t.columns ?? []), '_edp_changed_at', '_edp_source'].includes(t.recordId.column))
      ctx.addIssue({
        code: 'custom',
        path: ['recordId', 'column'],
        message: `"${t.recordId.column}" is already a column of the integration view`,
      });
  });

/** A consumption view over curation tables. */
export const realtimeViewSchema = z
  .object({
    /** `consumption.<name>`. */
    name,
    /** A SELECT reading curation tables as `{{ curation.<name> }}`. */
    sql: z.string().min(1),
  })
  .strict();

/**
 * A consumption view serving realtime rows while the realtime path is within its lag budget, else the
 * batch rows, each row saying which (`data_freshness_indicator`) and how current (`data_as_of`).
 */
export const realtimeFallbackSchema = z
  .object({
    /** `consumption.<name>`. */
    name,
    /** The realtime answer: a SELECT reading curation tables as `{{ curation.<name> }}` (and any other table). */
    realtime: z.string().min(1),
    /** The batch answer, the same columns in the same order: a SELECT over batch-built tables (e.g. marts). */
    batch: z.string().min(1),
    /** The batch answer is as of the newest `column` of `table` (e.g. `raw.claims`, `_edp_loaded_at`). */
    batchAsOf: z.object({ table: tableName, column: name.default('_edp_loaded_at') }).strict(),
    /** Result columns identifying a row: keys the realtime answer lacks are served from batch (flagged BATCH). */
    key: z.array(name).min(1).optional(),
    /** The `streaming.topics` (topic or table) feeding the curation tables read: the realtime path is as current as the stalest. */
    streams: z.array(z.string().min(1)).default([]),
    /** Overrides `realtime.lagBudget`. */
    lagBudget: lagSchema.optional(),
  })
  .strict();

/** Near-real-time objects: integration views, curation tables within a target lag, consumption views. */
export const realtimeSchema = z
  .object({
    /** How far behind its sources a curation table may be. */
    targetLag: lagSchema.default('1 minute'),
    /** Engines whose tables refresh themselves (Snowflake's dynamic tables): the compute warehouse doing it (defaults to the connection's). */
    warehouse: z.string().min(1).optional(),
    tables: z.array(realtimeTableSchema).default([]),
    views: z.array(realtimeViewSchema).default([]),
    /** How far behind the realtime path may be before fallback views serve batch data. */
    lagBudget: lagSchema.default('5 minutes'),
    /** Consumption views falling back to batch data when the realtime path is behind. */
    fallbacks: z.array(realtimeFallbackSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const layers = curationLayers(c.tables);
    if (isLayerProblem(layers))
      ctx.addIssue({ code: 'custom', path: ['tables', layers.index, 'sql'], message: layers.message });
  })
  .default({});

/** A validated curation table. */
export type RealtimeTableConfig = z.infer<typeof realtimeTableSchema>;
/** A curation table with an integration view (recent history ∪ changes). */
export type IntegratedTableConfig = RealtimeTableConfig &
  Required<Pick<RealtimeTableConfig, 'columns' | 'history' | 'changes'>>;
/** The validated `realtime` section. */
export type RealtimeConfig = z.infer<typeof realtimeSchema>;
/** A validated fallback view. */
export type RealtimeFallbackConfig = z.infer<typeof realtimeFallbackSchema>;
