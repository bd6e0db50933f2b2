import { createHash } from 'node:crypto';
import type { EdpConfig } from '../../workers/config-schema';
import { openWarehouse } from '../../workers/warehouse-factory';
import { VOLATILE_COLUMNS } from './platform';

/** How far {@link normalizedRows} goes beyond keys, dates and numbers. */
export interface NormalizeOptions {
  /** Fractional numbers keep this many significant digits (float sums depend on the order rows are added in). */
  digits?: number;
  /** Zoned timestamps and JSON objects held as text are read as what they stand for. */
  texts?: boolean;
}

/** Rows as comparable text whatever engine returned them: lower-case keys, dates and numbers in one form, sorted. */
export function normalizedRows(
  rows: Array<Record<string, unknown>>,
  skip: readonly string[],
  { digits, texts = false }: NormalizeOptions = {},
): string[] {
  const instant = (iso: string) => iso.replace('T00:00:00.000Z', ''); // a date, or a timestamp in UTC
  const number = (n: number) => (digits && !Number.isInteger(n) ? Number(n.toPrecision(digits)) : n);
  const value = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint' || typeof v === 'number') return number(Number(v));
    if (typeof v === 'object' && 'toISOString' in v) return instant((v as Date).toISOString());
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (/^-?\d+(\.\d+)?$/.test(text)) return number(Number(text));
    if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text))
      return instant(new Date(`${text.replace(' ', 'T')}Z`).toISOString());
    if (!texts) return text;
    // A zoned timestamp as text (DuckDB's TIMESTAMPTZ): the instant it stands for.
    if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}(:?\d{2})?$/.test(text))
      return instant(new Date(text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')).toISOString());
    // A JSON object as text (a row kept as JSON): its members in one form, whatever case and order the engine wrote.
    if (/^\{.*\}$/s.test(text)) {
      try {
        const doc = JSON.parse(text) as unknown;
        if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) return JSON.stringify(members(doc));
      } catch {
        /* text that only looks like JSON */
      }
    }
    return text;
  };
  const members = (doc: object): unknown =>
    Object.entries(doc)
      .map(([k, v]) => [k.toLowerCase(), value(v)] as const)
      .sort(([a], [b]) => a.localeCompare(b));

  return rows
    .map((r) =>
      JSON.stringify(
        Object.entries(r)
          .map(([k, v]) => [k.toLowerCase(), value(v)] as const)
          .filter(([k]) => !skip.includes(k))
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    )
    .sort();
}

/** The layers a pipeline run writes. */
const PLATFORM_SCHEMAS = ['raw', 'staging', 'intermediate', 'marts', 'consumption', 'snapshots', 'audit'];

/** What {@link warehouseContents} found. */
export interface WarehouseContents {
  /** Per `schema.table`: its row count and a hash of its normalized rows, volatile columns left out. */
  tables: Record<string, string>;
  /** Rows in raw tables that repeat another row of their table. */
  rawDuplicates: number;
}

/**
 * Every row of the platform's tables on any engine, normalized ({@link normalizedRows}) so that two engines
 * holding the same values agree: a DuckDB run is the reference a Snowflake run is compared with. `skip`
 * leaves out more columns per `schema.table`.
 */
export async function warehouseContents(
  config: EdpConfig,
  skip: Readonly<Record<string, readonly string[]>> = {},
): Promise<WarehouseContents> {
  const w = await openWarehouse(config);
  try {
    const out: WarehouseContents = { tables: {}, rawDuplicates: 0 };
    // Base tables only, on every engine: a view is a query over them (and the platform's read the clock).
    const tables = await w.query<{ s: string; t: string }>(
      `SELECT lower(table_schema) AS ${w.dialect.quoteIdent('s')}, lower(table_name) AS ${w.dialect.quoteIdent('t')}
       FROM information_schema.tables WHERE table_type = 'BASE TABLE'
       AND lower(table_schema) IN (${PLATFORM_SCHEMAS.map((name) => w.dialect.literal(name)).join(', ')})`,
    );
    for (const ref of tables.map((r) => ({ schema: r.s, table: r.t }))) {
      const table = `${ref.schema}.${ref.table}`;
      const left = [...VOLATILE_COLUMNS, ...(skip[table] ?? [])];
      const cols = (await w.describeTable(ref))!.map((c) => c.name).filter((c) => !left.includes(c));
      const lines = normalizedRows(
        await w.query(`SELECT ${cols.map((c) => w.dialect.quoteIdent(c)).join(', ')} FROM ${w.dialect.table(ref)}`),
        [],
        { digits: 12, texts: true },
      );
      if (ref.schema === 'raw') out.rawDuplicates += lines.length - new Set(lines).size;
      out.tables[table] = `${lines.length} rows ${createHash('md5').update(lines.join('\n')).digest('hex')}`;
    }
    return out;
  } finally {
    await w.close();
  }
}
