import type { RowAccessRule } from '../../../lib/config/schema';
import { ProjectError } from '../../../lib/errors';
import type { ColumnMask, GovernanceDialect, GovernedObject } from '../governance-dialect';
import type { TableRef } from '../sql-types';
import { duckdbDialect as d } from './duckdb-dialect';

/** DuckDB has no roles: the masked view answers as Snowflake's PUBLIC role, the one every user holds. */
const DEFAULT_READER = 'PUBLIC';

/** The schema holding the clear objects of consumption schema `schema`. */
const unmaskedRef = (ref: TableRef): TableRef => ({ schema: `${ref.schema}_unmasked`, table: ref.table });

const isText = (type: string): boolean => /^(VARCHAR|TEXT|STRING|CHAR)/i.test(type);

/** A column as the masked view shows it. */
function maskedColumn(m: ColumnMask): string {
  const col = d.quoteIdent(m.name);
  const value =
    !isText(m.engineType) || m.style === 'null'
      ? `CAST(NULL AS ${m.engineType})`
      : m.style === 'hash'
        ? `sha256(${col})`
        : m.style === 'partial'
          ? `repeat('*', greatest(length(${col}) - ${m.keep}, 0)) || right(${col}, ${m.keep})`
          : `'*****'`;
  return `${value} AS ${col}`;
}

/** The rows the default reader may see under a row-access rule. */
function rowFilter(rule: RowAccessRule): string {
  const col = d.quoteIdent(rule.column);
  if (rule.mappingTable) {
    const [schema, table] = rule.mappingTable.split('.');
    return `EXISTS (SELECT 1 FROM ${d.table({ schema, table })} m WHERE m.${d.quoteIdent(rule.roleColumn)} = ${d.literal(DEFAULT_READER)} AND m.${d.quoteIdent(rule.valueColumn)} = ${col})`;
  }
  const values = Object.entries(rule.allow ?? {}).find(([role]) => role.toUpperCase() === DEFAULT_READER)?.[1] ?? [];
  return values.length ? `${col} IN (${values.map((v) => d.literal(v)).join(', ')})` : 'FALSE';
}

/**
 * Moves a consumption object's clear rows to `<schema>_unmasked.<name>` and puts a masking view in its
 * place, so the name every reader queries is the masked one. Objects outside the consumption schemas
 * are left alone: later models read them, and there is no role that could see them in clear.
 */
function statements(o: GovernedObject): string[] {
  if (!o.consumption || (o.masks.length === 0 && !o.rowAccess)) return [];
  if (o.incremental) {
    throw new ProjectError(
      `${o.ref.schema}.${o.ref.table}: an incremental model with masked columns or a row rule cannot live in a consumption schema on DuckDB (its rows move to ${unmaskedRef(o.ref).schema}); materialize it as a table or view`,
    );
  }
  if (o.kind === 'view' && o.select === undefined) {
    throw new TypeError(`${o.ref.schema}.${o.ref.table}: a view is governed from its defining SELECT`);
  }
  const clear = unmaskedRef(o.ref);
  const out = [`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(clear.schema)}`];
  if (o.kind === 'view') {
    out.push(`CREATE OR REPLACE VIEW ${d.table(clear)} AS ${o.select}`);
  } else {
    out.push(`CREATE OR REPLACE TABLE ${d.table(clear)} AS SELECT * FROM ${d.table(o.ref)}`);
    out.push(`DROP TABLE ${d.table(o.ref)}`);
  }
  const masks = new Map(o.masks.map((m) => [m.name.toLowerCase(), m]));
  const select = o.columns.map((c) => {
    const m = masks.get(c.name.toLowerCase());
    return m ? maskedColumn(m) : d.quoteIdent(c.name);
  });
  const where = o.rowAccess ? ` WHERE ${rowFilter(o.rowAccess)}` : '';
  out.push(`CREATE OR REPLACE VIEW ${d.table(o.ref)} AS SELECT ${select.join(', ')} FROM ${d.table(clear)}${where}`);
  return out;
}

/** DuckDB governance: masked views under the consumption names, clear objects in `<schema>_unmasked`. */
export const duckdbGovernance: GovernanceDialect = Object.freeze({
  statements,
  transactional: true,
  unmaskedRef,
  noAccessHistory:
    'DuckDB keeps no access history: it is one file, and whoever can open it (or run edp query) reads every table unlogged',
});
