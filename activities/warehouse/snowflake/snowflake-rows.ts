import type { Dialect } from '../dialect';
import type { AppendColumnType, AppendValue, AuditValue, SqlValue, TableRef, WarehouseSession } from '../warehouse';

const SQL_TYPE: Record<AppendColumnType, string> = {
  varchar: 'VARCHAR',
  bigint: 'BIGINT',
  timestamptz: 'TIMESTAMP_TZ',
};
/** Rows per statement: Snowflake takes at most a few thousand bound values per statement comfortably. */
const BATCH_VALUES = 8_000;

/** A bound value: timestamps (ms since epoch) as ISO text, which the CAST reads. */
function bound(type: AppendColumnType, v: AppendValue): SqlValue {
  if (v === null || v === undefined) return null;
  if (type === 'timestamptz') return new Date(Number(v)).toISOString();
  return type === 'bigint' ? Number(v) : String(v);
}

/**
 * Inserts rows with bound multi-row VALUES, in batches (Snowflake has no appender; array binds would
 * stage large batches through a temporary stage, which is DDL). With `key`, only rows whose key is not
 * in the table yet. Returns the rows inserted.
 */
export async function insertValues(
  session: WarehouseSession,
  d: Dialect,
  table: TableRef,
  columns: readonly AppendColumnType[],
  rows: ReadonlyArray<readonly AppendValue[]>,
  key?: { names: readonly string[]; positions: readonly number[] },
): Promise<number> {
  const target = table.schema === 'temp' ? d.quoteIdent(table.table) : d.table(table);
  const aliases = columns.map((_, i) => `c${i}`);
  const typed = columns.map((type, i) => `CAST(s.c${i} AS ${SQL_TYPE[type]})`);
  const missing = key
    ? ` WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${key.names
        .map((name, j) => `t.${d.quoteIdent(name)} = ${typed[key.positions[j]]}`)
        .join(' AND ')})`
    : '';
  const perBatch = Math.max(1, Math.floor(BATCH_VALUES / Math.max(1, columns.length)));
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  let inserted = 0;
  for (let i = 0; i < rows.length; i += perBatch) {
    const batch = rows.slice(i, i + perBatch);
    inserted += await session.execute(
      `INSERT INTO ${target} SELECT ${typed.join(', ')}
       FROM (VALUES ${batch.map(() => placeholders).join(', ')}) AS s (${aliases.join(', ')})${missing}`,
      batch.flatMap((row) => columns.map((type, j) => bound(type, row[j]))),
    );
  }
  return inserted;
}

/** Writes one row with MERGE: updates the row with the same key, or inserts it. */
export async function mergeRow(
  session: WarehouseSession,
  d: Dialect,
  table: TableRef,
  key: readonly string[],
  row: Readonly<Record<string, AuditValue>>,
): Promise<void> {
  const cols = Object.entries(row);
  const q = (c: string): string => d.quoteIdent(c);
  const rest = cols.filter(([c]) => !key.includes(c));
  await session.execute(
    `MERGE INTO ${d.table(table)} t
     USING (SELECT ${cols.map(([c, v]) => `CAST(? AS ${d.columnType(v.type)}) AS ${q(c)}`).join(', ')}) s
     ON ${key.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ')}
     ${rest.length > 0 ? `WHEN MATCHED THEN UPDATE SET ${rest.map(([c]) => `${q(c)} = s.${q(c)}`).join(', ')}` : ''}
     WHEN NOT MATCHED THEN INSERT (${cols.map(([c]) => q(c)).join(', ')}) VALUES (${cols.map(([c]) => `s.${q(c)}`).join(', ')})`,
    cols.map(([, v]) => v.value),
  );
}
