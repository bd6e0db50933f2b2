import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { classifyError } from '../errors';
import type { ColumnInfo, Warehouse } from '../warehouse';
import { compileNode } from './compile';
import { quoterFor } from './jinja-context';
import type { Manifest, ManifestNode, Relation, UnitTest, UnitTestRows } from './manifest-types';
import { scratchRef } from './materialize';

/**
 * dbt unit tests: the model's SQL run on given rows instead of its inputs, its output compared with
 * the expected rows. Each input becomes a scratch table the compile reads in place of the real
 * relation (dbt inlines CTEs; a table keeps the model's SQL exactly as written). An input whose
 * relation exists takes its columns and types from it, as dbt does: columns the rows leave out are
 * NULL, values are cast to the column's type. The output is compared with the expected rows on the
 * expected columns, as multisets (order does not matter, duplicates do).
 */

/** What a unit test found. */
export interface UnitTestOutcome {
  passed: boolean;
  /** Rows that differ (expected but missing, plus produced but not expected). */
  differing: number;
  message?: string;
  /** The model's SQL as the test ran it. */
  sql: string;
}

const literal = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `'${v.toISOString()}'`;
  return `'${(typeof v === 'string' ? v : JSON.stringify(v)).replace(/'/g, "''")}'`;
};

/** A value as SQL, cast to `type` when the column's type is known. */
const typed = (v: unknown, type: string | undefined) => (type ? `cast(${literal(v)} as ${type})` : literal(v));

/**
 * A select of `rows` with `columns` (name and, when known, type) in this order; a column a row leaves
 * out is NULL. No rows: an empty select of those columns.
 */
function rowsSelect(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: ReadonlyArray<{ name: string; type?: string }>,
  q: (ident: string) => string,
): string {
  const valueOf = (row: Record<string, unknown>, name: string) => {
    const key = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? null : row[key];
  };
  const select = (row: Record<string, unknown>) =>
    `select ${columns.map((c) => `${typed(valueOf(row, c.name), c.type)} as ${q(c.name)}`).join(', ')}`;
  if (rows.length === 0) return `${select({})} where 1 = 0`;
  return rows.map(select).join('\nunion all\n');
}

/** The columns `rows` name, in first-seen order. */
const columnsOfRows = (rows: ReadonlyArray<Record<string, unknown>>): string[] => [
  ...new Set(rows.flatMap((r) => Object.keys(r))),
];

/** A row as comparable text: its values in column order. */
const rowKey = (row: Record<string, unknown>): string =>
  JSON.stringify(Object.values(row), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** Rows of `a` not matched one for one in `b`. */
function missingFrom(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const k of b) left.set(k, (left.get(k) ?? 0) + 1);
  return a.filter((k) => {
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    return n === 0;
  });
}

/** The relation an input replaces (a node, a source, or the model itself). */
function replacedRelation(manifest: Manifest, model: ManifestNode, replaces: string): Relation | undefined {
  if (replaces === 'this') return model.relation;
  return manifest.nodes[replaces]?.relation ?? manifest.sources[replaces]?.relation;
}

/** Runs one unit test; scratch tables are dropped whatever happens. */
export async function runUnitTest(
  w: Warehouse,
  manifest: Manifest,
  test: UnitTest,
  o: { invocationId: string; runStartedAt: string },
): Promise<UnitTestOutcome> {
  const model = manifest.nodes[test.model];
  const q = quoterFor(manifest.target.type);
  const tag = createHash('sha1').update(test.id).digest('hex').slice(0, 6);
  const scratch = (what: string) => scratchRef(model, o.invocationId, `ut${tag}_${what}`);
  const created: string[] = [];
  const createTable = async (ref: { schema: string; table: string }, select: string) => {
    const table = `${q(ref.schema)}.${q(ref.table)}`;
    created.push(table);
    await w.execute(`create or replace table ${table} as\n${select}`);
  };
  const describe = (r: Relation | { schema: string; table: string }) =>
    w.describeTable({ schema: r.schema, table: 'identifier' in r ? r.identifier : r.table });
  try {
    const nodes = { ...manifest.nodes };
    const sources = { ...manifest.sources };
    let self = model;
    const unbuilt: string[] = [];
    for (const [i, g] of test.given.entries()) {
      const real = replacedRelation(manifest, model, g.replaces);
      const known = real ? await describe(real) : undefined;
      if (!known && g.format !== 'sql' && g.replaces !== 'this') unbuilt.push(g.input);
      const ref = scratch(`in${i}`);
      await createTable(ref, inputSelect(g, known, q));
      const relation = { schema: ref.schema, identifier: ref.table };
      if (g.replaces === 'this') self = { ...model, relation };
      else if (nodes[g.replaces]) {
        const n = nodes[g.replaces];
        nodes[g.replaces] = { ...n, relation, config: { ...n.config, materialized: 'table' } };
      } else sources[g.replaces] = { ...sources[g.replaces], relation };
    }
    const vars = { ...manifest.vars, ...test.overrides?.vars };
    const macros = test.overrides?.macros ?? {};
    const globals = Object.fromEntries(
      Object.entries(macros)
        .filter(([m]) => m !== 'is_incremental')
        .map(([m, v]) => [m, () => v]),
    );
    const sql = compileNode({ ...manifest, nodes: { ...nodes, [model.id]: self }, sources, vars }, self, {
      ...o,
      isIncremental: macros.is_incremental === true || macros.is_incremental === 'true',
      globals,
      envVars: test.overrides?.envVars,
    });
    const actualRef = scratch('actual');
    try {
      await createTable(actualRef, sql);
    } catch (err) {
      const f = classifyError(err);
      if (!unbuilt.length || !f.nonRetryable) throw f;
      throw ApplicationFailure.nonRetryable(
        `${f.message} (not built yet, so typed by the given rows alone: ${unbuilt.join(', ')}; build them first, as dbt requires, or give every column the model reads)`,
        f.type,
      );
    }
    const actualColumns = (await describe(actualRef)) ?? [];
    const byName = (name: string) => actualColumns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    // The expected columns, each as the model produces it: SQL expectations name theirs by their select.
    let names: string[];
    let expectedSql: (columns: readonly ColumnInfo[]) => string;
    if (test.expect.format === 'sql') {
      const ref = scratch('expected');
      await createTable(ref, test.expect.sql);
      names = ((await describe(ref)) ?? []).map((c) => c.name);
      expectedSql = (columns) =>
        `select ${columns.map((c) => `cast(${q(c.name)} as ${c.type}) as ${q(c.name)}`).join(', ')} from ${q(ref.schema)}.${q(ref.table)}`;
    } else {
      const rows = test.expect.rows;
      names = columnsOfRows(rows);
      expectedSql = (columns) => rowsSelect(rows, columns, q);
    }
    const columns: ColumnInfo[] = [];
    for (const name of names) {
      const c = byName(name);
      if (!c) {
        const have = actualColumns.map((x) => x.name).join(', ');
        return {
          passed: false,
          differing: 0,
          sql,
          message: `expected column ${name} is not in the model's output (${have})`,
        };
      }
      columns.push(c);
    }
    // `expect: {rows: [{}, {}]}` names no column: only the row count is compared.
    const expected = columns.length
      ? (await w.query(expectedSql(columns))).map(rowKey)
      : test.expect.format === 'sql'
        ? []
        : test.expect.rows.map(() => '[]');
    const list = columns.map((c) => q(c.name)).join(', ');
    const actual = (
      await w.query(`select ${list || '1 as one'} from ${q(actualRef.schema)}.${q(actualRef.table)}`)
    ).map((r) => (list ? rowKey(r) : '[]'));
    const missing = missingFrom(expected, actual);
    const extra = missingFrom(actual, expected);
    if (!missing.length && !extra.length) return { passed: true, differing: 0, sql };
    const show = (label: string, rows: string[]) =>
      rows.length ? `\n  ${label}: ${rows.slice(0, 5).join(', ')}${rows.length > 5 ? ', …' : ''}` : '';
    return {
      passed: false,
      differing: missing.length + extra.length,
      message: `actual differs from expected on (${names.join(', ')}):${show('expected, not produced', missing)}${show('produced, not expected', extra)}`,
      sql,
    };
  } finally {
    for (const table of created) await w.execute(`drop table if exists ${table}`);
  }
}

/** An input's rows as a select: typed like its relation's columns when the relation exists. */
function inputSelect(g: UnitTestRows, known: readonly ColumnInfo[] | undefined, q: (ident: string) => string): string {
  if (g.format === 'sql') return g.sql;
  const columns = known?.length
    ? known.map((c) => ({ name: c.name, type: c.type }))
    : columnsOfRows(g.rows).map((name) => ({ name }));
  return rowsSelect(g.rows, columns, q);
}
