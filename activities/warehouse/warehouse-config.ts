import { z } from 'zod';
import type { Engine } from './engine';
import { DEFAULT_ENGINE, ENGINES, engineNamed, type EngineName } from './engines';
import type { Row, Warehouse } from './warehouse';

type Registered = (typeof ENGINES)[number];
type EngineSections = { [E in Registered as E['name']]: E['configSchema'] };

const names = ENGINES.map((e) => e.name) as [EngineName, ...EngineName[]];
// `edp config` has always printed the other engines' sections before the default engine's.
const sectionOrder = [...ENGINES.filter((e) => e.name !== DEFAULT_ENGINE), engineNamed(DEFAULT_ENGINE)];
const sections = Object.fromEntries(sectionOrder.map((e) => [e.name, e.configSchema])) as EngineSections;

const sectionOf = (w: object, engine: Engine): unknown => (w as Record<string, unknown>)[engine.name];

/** The `warehouse` section: which engine, and one section per engine (`warehouse.duckdb`, `warehouse.snowflake`, …). */
export const warehouseSchema = z
  .object({
    /** `duckdb` (embedded, the default) or `snowflake` (see docs/snowflake.md for what runs there yet). */
    engine: z.enum(names).default(DEFAULT_ENGINE),
    ...sections,
  })
  .strict()
  .superRefine((w, ctx) => {
    const chosen = engineNamed(w.engine);
    if (sectionOf(w, chosen) === undefined) {
      const needs = chosen.configNeeds ? ` (${chosen.configNeeds})` : '';
      ctx.addIssue({
        code: 'custom',
        path: [chosen.name],
        message: `engine ${chosen.name} needs warehouse.${chosen.name}${needs}`,
      });
    }
    for (const engine of ENGINES) {
      const section = sectionOf(w, engine);
      if (section === undefined) continue;
      for (const check of (engine as Engine).configChecks ?? []) {
        if (!check.valid(section))
          ctx.addIssue({ code: 'custom', path: [engine.name, ...check.path], message: check.message });
      }
    }
  })
  .default({});
/** The validated `warehouse` section. */
export type WarehouseConfig = z.infer<typeof warehouseSchema>;

/** The engine `warehouse.engine` chose, with its (validated, present) section. */
export function chosenEngine(w: WarehouseConfig): { engine: Engine; section: unknown } {
  const engine = engineNamed(w.engine);
  return { engine, section: sectionOf(w, engine) };
}

/** Opens the chosen engine's warehouse, reading its secrets from `env` or the files its section names. */
export async function openChosenWarehouse(w: WarehouseConfig, env: NodeJS.ProcessEnv): Promise<Warehouse> {
  const { engine, section } = chosenEngine(w);
  return engine.open(section, env);
}

/** What the chosen engine's single-writer file needs: its path, the port its worker serves it on, the read-only query. */
export interface SingleWriter {
  file: string;
  queryPort: number;
  /** `edp query` without `--write` on this engine (the worker's endpoint, or the file opened directly). */
  queryReadOnly: (warehouse: Warehouse, sql: string) => Promise<Row[]>;
}

/** The chosen engine's single-writer file, when it has one (DuckDB). */
export function singleWriterOf(w: WarehouseConfig): SingleWriter | undefined {
  const { engine, section } = chosenEngine(w);
  const held = engine.singleWriter?.(section);
  if (!held) return undefined;
  if (!engine.queryReadOnly) throw new TypeError(`engine ${engine.name} has a single-writer file but no queryReadOnly`);
  return { ...held, queryReadOnly: engine.queryReadOnly };
}

/** The chosen engine's compute warehouse (Snowflake's `warehouse`), if it has one. */
export function computeWarehouseOf(w: WarehouseConfig): string | undefined {
  const { engine, section } = chosenEngine(w);
  return engine.computeWarehouse?.(section);
}

/** The OpenLineage namespace of the chosen engine's tables, and the database prefixing their names. */
export function lineageNamespaceOf(w: WarehouseConfig): { namespace: string; database?: string } {
  const { engine, section } = chosenEngine(w);
  return engine.lineageNamespace?.(section) ?? { namespace: `${engine.name}://edp` };
}

/** `w` with every engine section's relative paths resolved by `inState`. */
export function withResolvedPaths(w: WarehouseConfig, inState: (path: string) => string): WarehouseConfig {
  const resolved: Record<string, unknown> = { ...w };
  for (const engine of ENGINES as readonly Engine[]) {
    const section = sectionOf(w, engine);
    if (section !== undefined && engine.resolvePaths) resolved[engine.name] = engine.resolvePaths(section, inState);
  }
  return resolved as WarehouseConfig;
}
