import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditSource } from '../audit';
import { DBT_ARTIFACTS_VERSION, type DbtJson } from './artifacts-manifest';
import { targetDir } from './manifest-store';
import type { Manifest, Relation } from './manifest-types';

/** `metadata.dbt_schema_version` of dbt's catalog.json. */
export const CATALOG_SCHEMA = 'https://schemas.getdbt.com/dbt/catalog/v1.json';

interface ColumnRow {
  table_schema: string;
  table_name: string;
  table_type: string;
  table_comment: string | null;
  column_name: string;
  data_type: string;
  column_comment: string | null;
  ordinal_position: number | bigint | string;
}

const NO_STATS = {
  has_stats: {
    id: 'has_stats',
    label: 'Has Stats?',
    value: false,
    include: false,
    description: 'Indicates whether there are statistics for this table',
  },
};

const key = (schema: string, name: string) => `${schema}.${name}`.toLowerCase();

/** The columns of every relation in `schemas`, from the warehouse's information schema. */
async function columnsIn(reader: AuditSource, schemas: readonly string[]): Promise<Map<string, ColumnRow[]>> {
  const d = reader.dialect;
  const rows = (await reader.query(
    `SELECT c.table_schema AS ${d.quoteIdent('table_schema')}, c.table_name AS ${d.quoteIdent('table_name')},
       t.table_type AS ${d.quoteIdent('table_type')}, t.${d.commentColumns.table} AS ${d.quoteIdent('table_comment')},
       c.column_name AS ${d.quoteIdent('column_name')}, c.data_type AS ${d.quoteIdent('data_type')},
       c.${d.commentColumns.column} AS ${d.quoteIdent('column_comment')},
       c.ordinal_position AS ${d.quoteIdent('ordinal_position')}
     FROM information_schema.columns c
     JOIN information_schema.tables t
       ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE lower(c.table_schema) IN (${schemas.map((s) => d.literal(s.toLowerCase())).join(', ')})
     ORDER BY 1, 2, 6`,
  )) as unknown as ColumnRow[];
  const out = new Map<string, ColumnRow[]>();
  for (const r of rows) {
    const k = key(r.table_schema, r.table_name);
    out.set(k, [...(out.get(k) ?? []), r]);
  }
  return out;
}

/** One relation's catalog entry, or none when the warehouse does not have it (not built yet). */
function entry(
  id: string,
  relation: Relation,
  database: string,
  columns: Map<string, ColumnRow[]>,
): DbtJson | undefined {
  const rows = columns.get(key(relation.schema, relation.identifier));
  if (!rows?.length) return undefined;
  return {
    metadata: {
      type: rows[0].table_type,
      schema: rows[0].table_schema,
      name: rows[0].table_name,
      database,
      comment: rows[0].table_comment ?? null,
      owner: null,
    },
    columns: Object.fromEntries(
      rows.map((r) => [
        r.column_name,
        {
          type: r.data_type,
          index: Number(r.ordinal_position),
          name: r.column_name,
          comment: r.column_comment ?? null,
        },
      ]),
    ),
    stats: NO_STATS,
    unique_id: id,
  };
}

/**
 * What `dbt docs generate` writes as `target/catalog.json` (schema v1): each built model, seed and snapshot,
 * each test's stored failures and each source table with its columns, types and comments (`persist_docs`), read from the warehouse's
 * information schema, types as the engine names them.
 * Returns the file and how many relations it holds.
 */
export async function writeCatalog(
  manifest: Manifest,
  reader: AuditSource,
): Promise<{ file: string; relations: number }> {
  // Tests that store their failing rows are relations too, as dbt's catalog lists them.
  const built = Object.values(manifest.nodes).flatMap((n) => {
    if (n.resourceType === 'test') return n.config.store_failures === true ? [{ ...n, relation: n.auditRelation }] : [];
    return n.relation && n.config.materialized !== 'ephemeral' ? [n] : [];
  });
  const sources = Object.values(manifest.sources);
  const schemas = [...new Set([...built, ...sources].flatMap((x) => x.relation?.schema ?? []))];
  const columns = schemas.length ? await columnsIn(reader, schemas) : new Map<string, ColumnRow[]>();
  const db = manifest.target.database;
  const pick = (xs: ReadonlyArray<{ id: string; relation?: Relation }>) =>
    Object.fromEntries(
      xs.flatMap((x) => {
        const e = x.relation && entry(x.id, x.relation, db, columns);
        return e ? [[x.id, e]] : [];
      }),
    );
  const catalog = {
    metadata: {
      dbt_schema_version: CATALOG_SCHEMA,
      dbt_version: DBT_ARTIFACTS_VERSION,
      generated_at: new Date().toISOString(),
      invocation_id: randomUUID(),
      invocation_started_at: null,
      env: {},
    },
    nodes: pick(built),
    sources: pick(sources),
    errors: null,
  };
  const dir = targetDir(manifest);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'catalog.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(catalog));
  renameSync(`${file}.tmp`, file);
  return { file, relations: Object.keys(catalog.nodes).length + Object.keys(catalog.sources).length };
}
