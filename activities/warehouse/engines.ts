import { duckdbEngine } from './duckdb/duckdb-engine';
import type { Engine } from './engine';
import { snowflakeEngine } from './snowflake/snowflake-engine';

/**
 * Every warehouse engine the platform runs on, as kysely lists its dialects.
 *
 * To add an engine: create `activities/warehouse/<engine>/` with `<engine>-config.ts` (its zod section
 * `warehouse.<engine>`), `<engine>-dialect.ts` (its SQL forms and identifier case), `<engine>-warehouse.ts`
 * (the Warehouse implementation), `<engine>-errors.ts` (its driver-error classifier) and `<engine>-engine.ts`
 * (the {@link Engine} tying them together with `open`), then add one line here. Config validation,
 * the worker, the CLI and dbt's `target.type` pick it up from this list.
 */
export const ENGINES = [duckdbEngine, snowflakeEngine] as const;

/** The engine `warehouse.engine` names when unset: the embedded one, so a laptop needs no account. */
export const DEFAULT_ENGINE = duckdbEngine.name;

/** The name of a registered engine. */
export type EngineName = (typeof ENGINES)[number]['name'];

/** The registered engine called `name`; a TypeError for a name config validation would have refused. */
export function engineNamed(name: string): Engine {
  const engine = ENGINES.find((e) => e.name === name);
  if (!engine) throw new TypeError(`no warehouse engine named "${name}"`);
  return engine;
}

/** The registered engine whose dbt `target.type` is `type`. */
export function engineForTarget(type: string): Engine {
  const engine = ENGINES.find((e) => e.dbtType === type);
  if (!engine) throw new TypeError(`no warehouse engine for dbt target type "${type}"`);
  return engine;
}
