import type { Warehouse } from '../warehouse';
import { engineForTarget } from '../warehouse/engines';
import { kwargsOf, toPlainValue } from './jinja';
import { quoterFor } from './jinja-context';
import type { Relation } from './manifest-types';
import { relationKind } from './materialize';

/**
 * dbt's adapter methods that change the warehouse (`adapter.drop_relation`, `rename_relation`,
 * `truncate_relation`, `create_schema`, `drop_schema`, `expand_target_column_types`), called from a hook.
 * Templates render synchronously, so a call records what to do; the hook runner does it, in call order,
 * right after the render and before the hook's own SQL, in the node's activity (dbt runs them while it
 * renders, which is the same order).
 */

/** A change a template asked for, done on the warehouse once the template has rendered. */
export type AdapterEffect = (w: Warehouse) => Promise<void>;

/** The parts of a relation argument: `this`, a `ref()`, `api.Relation.create(…)`, or its text. */
function parts(value: unknown): string[] {
  // A relation that went through the template (`this.incorporate(…)`) arrives as a Map.
  value = toPlainValue(value);
  const v = value as { schema?: unknown; identifier?: unknown; render?: () => string } | null;
  if (v && typeof v === 'object' && typeof v.schema === 'string') {
    return [v.schema, typeof v.identifier === 'string' ? v.identifier : ''];
  }
  const text = typeof value === 'string' ? value : (v?.render?.() ?? '');
  return [...text.matchAll(/"((?:[^"]|"")*)"|([^."\s]+)/g)].map((m) => (m[1] ?? m[2]).replace(/""/g, '"'));
}

/** A table or view argument as `{schema, identifier}` (a database part in front is left out). */
function relationOf(value: unknown, method: string): Relation {
  const p = parts(value);
  if (p.length < 2 || !p.at(-1)) throw new Error(`adapter.${method}(): '${String(value)}' is not a relation`);
  return { schema: p.at(-2)!, identifier: p.at(-1)! };
}

/** A schema argument (`api.Relation.create(schema=…)`, or its text). */
function schemaOf(value: unknown, method: string): string {
  const p = parts(value).filter(Boolean);
  const schema = p.length >= 2 && parts(value).at(-1) ? p.at(-2) : p.at(-1);
  if (!schema) throw new Error(`adapter.${method}(): '${String(value)}' names no schema`);
  return schema;
}

/** The adapter methods for a template of a run on target type `type`, recording their changes in `effects`. */
export function adapterEffectMethods(type: string, effects: AdapterEffect[]): Record<string, (...a: unknown[]) => ''> {
  const q = quoterFor(type);
  const sql = (r: Relation) => `${q(r.schema)}.${q(r.identifier)}`;
  const kindOf = async (w: Warehouse, r: Relation) => ((await relationKind(w, r)) === 'view' ? 'view' : 'table');
  const record = (effect: AdapterEffect): '' => {
    effects.push(effect);
    return '';
  };
  const arg = (args: unknown[], i: number, name: string) => {
    const { positional, kwargs } = kwargsOf(args);
    // A relation passed as the last argument arrives as a trailing Map, as keyword arguments do.
    const relationLast = i === positional.length && typeof kwargs.schema === 'string' && !(name in kwargs);
    return relationLast ? kwargs : (kwargs[name] ?? positional[i]);
  };
  const methods: Record<string, (...a: unknown[]) => ''> = {
    drop_relation: (...args) => {
      const r = relationOf(arg(args, 0, 'relation'), 'drop_relation');
      return record(async (w) => {
        if (await relationKind(w, r)) await w.execute(`drop ${await kindOf(w, r)} if exists ${sql(r)}`);
      });
    },
    truncate_relation: (...args) => {
      const r = relationOf(arg(args, 0, 'relation'), 'truncate_relation');
      return record((w) => w.execute(`truncate table ${sql(r)}`).then(() => undefined));
    },
    rename_relation: (...args) => {
      const from = relationOf(arg(args, 0, 'from_relation'), 'rename_relation');
      const to = relationOf(arg(args, 1, 'to_relation'), 'rename_relation');
      // Snowflake renames into the schema the new name gives; DuckDB keeps the schema and takes a bare name.
      const target = engineForTarget(type).dbtAdapter?.qualifiedRename ? sql(to) : q(to.identifier);
      return record(async (w) => {
        await w.execute(`alter ${await kindOf(w, from)} ${sql(from)} rename to ${target}`);
      });
    },
    create_schema: (...args) => {
      const schema = schemaOf(arg(args, 0, 'relation'), 'create_schema');
      return record((w) => w.execute(`create schema if not exists ${q(schema)}`).then(() => undefined));
    },
    drop_schema: (...args) => {
      const schema = schemaOf(arg(args, 0, 'relation'), 'drop_schema');
      return record((w) => w.execute(`drop schema if exists ${q(schema)} cascade`).then(() => undefined));
    },
    expand_target_column_types: (...args) => {
      const from = relationOf(arg(args, 0, 'from_relation'), 'expand_target_column_types');
      const to = relationOf(arg(args, 1, 'to_relation'), 'expand_target_column_types');
      return record((w) => expandColumnTypes(w, from, to, sql(to), q));
    },
  };
  // A callback must not throw inside minijinja (it aborts the render): a bad argument fails when the effects run.
  return Object.fromEntries(
    Object.entries(methods).map(([name, method]) => [
      name,
      (...args: unknown[]) => {
        try {
          return method(...args);
        } catch (err) {
          return record(() => Promise.reject(err instanceof Error ? err : new Error(String(err))));
        }
      },
    ]),
  );
}

/** Widens `to`'s bounded text columns to `from`'s longer ones, as dbt's `expand_target_column_types`. */
async function expandColumnTypes(
  w: Warehouse,
  from: Relation,
  to: Relation,
  target: string,
  q: (s: string) => string,
): Promise<void> {
  const lengths = async (r: Relation) => {
    const rows = await w.query<{ c: string; n: unknown }>(
      'select column_name as c, character_maximum_length as n from information_schema.columns where upper(table_schema) = upper(?) and upper(table_name) = upper(?)',
      [r.schema, r.identifier],
    );
    return new Map(rows.map((row) => [String(row.c).toLowerCase(), row.n === null ? undefined : Number(row.n)]));
  };
  const [source, dest] = [await lengths(from), await lengths(to)];
  for (const [column, n] of dest) {
    const wider = source.get(column);
    if (n !== undefined && wider !== undefined && wider > n) {
      await w.execute(`alter table ${target} alter column ${q(column)} set data type varchar(${wider})`);
    }
  }
}
