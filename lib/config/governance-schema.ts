import { z } from 'zod';
import { identifier } from './primitives';

/** A warehouse role name (Snowflake's unquoted form). */
const roleName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'expected a role name (letters, digits, _ and $)');
const tableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table, e.g. governance.plan_access');

/** How a tagged value shows to a role that may not see it. */
export const maskStyleSchema = z.enum(['full', 'partial', 'hash', 'null']);
/** A masking style: `full` (a fixed `*****`), `partial` (all but the last `keep` characters starred), `hash` (SHA-256 hex), `null`. */
export type MaskStyle = z.infer<typeof maskStyleSchema>;

/** One sensitivity tag: how its columns are masked and who sees them in clear. */
export const sensitivityTagSchema = z
  .object({
    mask: maskStyleSchema.default('full'),
    /** `partial`: characters left visible at the end (e.g. the last 4 of an id). */
    keep: z.number().int().min(1).max(32).default(4),
    /** Roles that see this tag's columns in clear; `governance.unmaskedRoles` when omitted. */
    unmaskedRoles: z.array(roleName).optional(),
  })
  .strict();
/** A sensitivity tag after defaults. */
export type SensitivityTag = z.infer<typeof sensitivityTagSchema>;

/** Column → tag. */
const columnTagsSchema = z.record(identifier, identifier);

/** Rows of a consumption object a role may see: by a mapping table, or by an inline rule. */
export const rowAccessSchema = z
  .object({
    /** The consumption object (`schema.name`, a dbt model's relation) the rule filters. */
    object: tableName,
    /** Its column whose value decides (e.g. `plan_id`). */
    column: identifier,
    /** A table of (role, value) rows: a role sees the rows whose value it is mapped to. */
    mappingTable: tableName.optional(),
    /** The mapping table's role and value columns. */
    roleColumn: identifier.default('role_name'),
    valueColumn: identifier.default('value'),
    /** Inline instead of a mapping table: role → the values it sees. */
    allow: z.record(roleName, z.array(z.string())).optional(),
  })
  .strict()
  .refine((r) => (r.mappingTable === undefined) !== (r.allow === undefined), {
    message: 'set mappingTable or allow (one of them)',
    path: ['mappingTable'],
  });
/** A row-access rule after defaults. */
export type RowAccessRule = z.infer<typeof rowAccessSchema>;

/** The `governance` section: PHI tags, who sees them, masking, row access, secure views. See docs/security.md#governance. */
export const governanceSchema = z
  .object({
    /** Roles that see every tagged column in clear (and every row). */
    unmaskedRoles: z.array(roleName).default([]),
    /** Sensitivity tags and their masking; a dbt column tagged `meta: { phi: true }` uses `phi`. */
    tags: z.record(identifier, sensitivityTagSchema).default({ phi: {} }),
    /** Raw tables' tagged columns: entity (landing entity, SQL-source target, streamed table) → column → tag. */
    entities: z.record(identifier, columnTagsSchema).default({}),
    /** Schemas whose objects the portal reads: secure views, row access, and on DuckDB the masked default. */
    consumptionSchemas: z.array(identifier).min(1).default(['consumption']),
    /** Snowflake: make the consumption schemas' views SECURE (definition hidden, no optimizer leaks). */
    secureViews: z.boolean().default(true),
    rowAccess: z.array(rowAccessSchema).default([]),
    /** Snowflake: the schema that holds the masking and row-access policies. */
    policySchema: identifier.default('governance'),
  })
  .strict()
  .superRefine((g, ctx) => {
    for (const [entity, columns] of Object.entries(g.entities)) {
      for (const [column, tag] of Object.entries(columns)) {
        if (!(tag in g.tags)) {
          ctx.addIssue({
            code: 'custom',
            path: ['entities', entity, column],
            message: `unknown tag "${tag}" (governance.tags has ${Object.keys(g.tags).join(', ') || 'none'})`,
          });
        }
      }
    }
  })
  .default({});
/** The validated `governance` section. */
export type GovernanceConfig = z.infer<typeof governanceSchema>;

/** The raw tables the other sections declare, with their columns: what `governance.entities` may name. */
export interface DeclaredRawTables {
  landing: { entities: ReadonlyArray<{ name: string; columns: Record<string, unknown> }> };
  sources: ReadonlyArray<{
    name: string;
    tables: ReadonlyArray<{ name: string; target?: string; columns: Record<string, unknown> }>;
  }>;
  streaming: { topics: ReadonlyArray<{ table: string; columns: Record<string, unknown> }> };
  governance: GovernanceConfig;
}

/** Every raw table the config declares → its columns. */
export function rawTableColumns(c: Omit<DeclaredRawTables, 'governance'>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of c.landing.entities) out.set(e.name, new Set(Object.keys(e.columns)));
  for (const s of c.sources) {
    for (const t of s.tables) out.set(t.target ?? `${s.name}_${t.name}`, new Set(Object.keys(t.columns)));
  }
  for (const t of c.streaming.topics) out.set(t.table, new Set(Object.keys(t.columns)));
  return out;
}

/** Checks `governance.entities` against the raw tables the config declares: an unknown table or column is an issue at its key. */
export function checkGovernanceEntities(c: DeclaredRawTables, ctx: z.RefinementCtx): void {
  const tables = rawTableColumns(c);
  for (const [entity, columns] of Object.entries(c.governance.entities)) {
    const known = tables.get(entity);
    if (!known) {
      ctx.addIssue({
        code: 'custom',
        path: ['governance', 'entities', entity],
        message: `no landing entity, SQL-source table or streamed table is called "${entity}"`,
      });
      continue;
    }
    for (const column of Object.keys(columns)) {
      if (!known.has(column)) {
        ctx.addIssue({
          code: 'custom',
          path: ['governance', 'entities', entity, column],
          message: `"${column}" is not one of raw.${entity}'s columns (${[...known].join(', ')})`,
        });
      }
    }
  }
}
