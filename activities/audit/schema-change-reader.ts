import { epochMsOf, isoInstant, textOrNull, type AuditSource } from './audit-source';
import { SCHEMA_CHANGES } from './schema-change-tables';

/** A change the platform applied to a table it loads. */
export interface SchemaChangeRecord {
  /** `raw.claims`, `staging.claim_events`. */
  table: string;
  column: string;
  /** `added` or `widened`. */
  change: string;
  /** The engine type before; null for an added column. */
  fromType: string | null;
  toType: string | null;
  /** The config key declaring the columns. */
  origin: string | null;
  /** When it was applied, ISO-8601 UTC. */
  changedAt: string;
}

/** The recorded schema changes, oldest first; of one table (`schema.table`) when given. */
export async function readSchemaChanges(src: AuditSource, table?: string): Promise<SchemaChangeRecord[]> {
  const d = src.dialect;
  const rows = await src.query(
    `SELECT table_name, column_name, change, from_type, to_type, origin, ${epochMsOf(d, 'changed_at')}
     FROM ${d.table(SCHEMA_CHANGES.ref)}${table === undefined ? '' : ` WHERE table_name = ${d.literal(table)}`}
     ORDER BY changed_at, table_name, column_name`,
  );
  return rows.map((r) => ({
    table: String(r.table_name),
    column: String(r.column_name),
    change: String(r.change),
    fromType: textOrNull(r.from_type),
    toType: textOrNull(r.to_type),
    origin: textOrNull(r.origin),
    changedAt: isoInstant(r.changed_at_ms) ?? '',
  }));
}
