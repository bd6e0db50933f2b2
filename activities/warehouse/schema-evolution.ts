import type { LandingColumnType } from '../../lib/config/schema';
import { SchemaChangeRefused, typeChange, widenedColumn, type ColumnShape } from '../../lib/schema-change';
import { ensureAudit, withSchemaLock } from '../audit/audit-migrate';
import { SCHEMA_CHANGES } from '../audit/schema-change-tables';
import type { ColumnInfo, TableRef, Warehouse } from './warehouse';

/** A table the platform loads, with the typed columns its config declares. */
export interface EvolvingTable {
  ref: TableRef;
  columns: Readonly<Record<string, LandingColumnType>>;
  /** The config key declaring the columns (`landing.entities.claims.columns`): named in refusals and the audit. */
  declaredAt: string;
}

/** One change applied to a table, as `audit.schema_changes` records it. */
export interface SchemaChange {
  table: string;
  column: string;
  change: 'added' | 'widened';
  /** The engine type before; null for an added column. */
  from: string | null;
  to: string;
}

/** A change to make: the audit row and the statements that make it. */
interface PlannedChange extends SchemaChange {
  statements: string[];
}

async function valuesTooWide(w: Warehouse, ref: TableRef, column: string, digits: number): Promise<number> {
  const [row] = await w.query<{ n: string | number }>(
    `SELECT COUNT(*) AS n FROM ${w.dialect.table(ref)} WHERE ABS(${w.dialect.quoteIdent(column)}) >= 1${'0'.repeat(digits)}`,
  );
  return Number(row?.n ?? 0);
}

function refusal(t: EvolvingTable, column: string, from: string, why: string): SchemaChangeRefused {
  const declared = t.columns[column];
  const name = `${t.ref.schema}.${t.ref.table}`;
  return new SchemaChangeRefused(
    `${name}.${column} is ${from} in the warehouse and cannot become ${declared} ` +
      `(${t.declaredAt}.${column}): ${why}. A change that could alter a stored value is never applied: ` +
      `declare a type that holds every value, or change ${name} by hand first`,
    { fix: `${t.declaredAt}.${column}` },
  );
}

/** What the declared columns ask of the table as it is; throws {@link SchemaChangeRefused} for a change it will not make. */
async function plan(w: Warehouse, t: EvolvingTable, existing: readonly ColumnInfo[]): Promise<PlannedChange[]> {
  const d = w.dialect;
  const table = `${t.ref.schema}.${t.ref.table}`;
  const has = new Map(existing.map((c) => [c.name.toLowerCase(), c]));
  const changes: PlannedChange[] = [];
  for (const [column, declared] of Object.entries(t.columns)) {
    const to = d.columnType(declared);
    const current = has.get(column.toLowerCase());
    if (!current) {
      // A widening copy interrupted after the old column was dropped: its copy becomes the column.
      const copy = has.get(widenedColumn(column).toLowerCase());
      const statements = copy
        ? [
            `ALTER TABLE ${d.table(t.ref)} RENAME COLUMN ${d.quoteIdent(widenedColumn(column))} TO ${d.quoteIdent(column)}`,
          ]
        : [`ALTER TABLE ${d.table(t.ref)} ADD COLUMN IF NOT EXISTS ${d.quoteIdent(column)} ${to}`];
      changes.push({ table, column, change: copy ? 'widened' : 'added', from: copy?.type ?? null, to, statements });
      continue;
    }
    const from: ColumnShape = d.columnShape(current.type);
    const decision = typeChange(from, d.columnShape(to));
    if (decision.action === 'keep') continue;
    if (decision.action === 'refuse') throw refusal(t, column, current.type, decision.why);
    if (decision.valuesMustFit !== undefined) {
      const wide = await valuesTooWide(w, t.ref, column, decision.valuesMustFit);
      if (wide > 0)
        throw refusal(
          t,
          column,
          current.type,
          `${wide} stored value${wide === 1 ? ' has' : 's have'} more than ${decision.valuesMustFit} digits before the point`,
        );
    }
    changes.push({
      table,
      column,
      change: 'widened',
      from: current.type,
      to,
      statements: d.widenColumn(t.ref, column, from, to),
    });
  }
  return changes;
}

/**
 * Brings an existing table to its declared columns: a declared column it lacks is added (nullable, so
 * earlier rows hold NULL), a column whose declared type is wider is widened in place with its values
 * kept, and a narrowing or a change of kind is refused with {@link SchemaChangeRefused} naming the
 * table, the column, both types and the config key. A column the config no longer declares stays, and
 * later loads leave it NULL. Workers take turns (the audit schema lock) and plan again once they hold
 * it, so a second worker finds the work done; every applied change is recorded in
 * `audit.schema_changes`. A missing table is left to its creator. Returns the changes applied.
 */
export async function evolveTable(w: Warehouse, t: EvolvingTable): Promise<SchemaChange[]> {
  const before = await w.describeTable(t.ref);
  if (!before || (await plan(w, t, before)).length === 0) return [];
  await ensureAudit(w);
  return withSchemaLock(w, async () => {
    const now = await w.describeTable(t.ref);
    const changes = now ? await plan(w, t, now) : [];
    const d = w.dialect;
    for (const c of changes) {
      for (const sql of c.statements) await w.execute(sql);
      await w.execute(`INSERT INTO ${d.table(SCHEMA_CHANGES.ref)} VALUES (?, ?, ?, ?, ?, ?, ${d.now()})`, [
        c.table,
        c.column,
        c.change,
        c.from,
        c.to,
        t.declaredAt,
      ]);
    }
    return changes.map(({ table, column, change, from, to }) => ({ table, column, change, from, to }));
  });
}
