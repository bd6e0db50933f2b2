import { CompileError } from '../jinja';
import type { FreshnessThreshold, FreshnessTime, ManifestSource } from '../manifest-types';
import { asObject } from './parse-yaml';

/** A source or one of its tables as written in a properties file. */
type Entry = Record<string, unknown>;

/** A freshness mapping as written (`null` written = explicitly none; missing = empty). */
function thresholdOf(v: unknown): FreshnessThreshold | null {
  if (v === null) return null;
  const o = asObject(v);
  const time = (t: unknown): FreshnessTime | undefined =>
    t === null || t === undefined
      ? undefined
      : {
          count: asObject(t).count === undefined ? undefined : Number(asObject(t).count),
          period: asObject(t).period as FreshnessTime['period'],
        };
  return {
    warn_after: time(o.warn_after),
    error_after: time(o.error_after),
    filter: typeof o.filter === 'string' ? o.filter : undefined,
  };
}

/** Whether a time limit has both a count and a period (dbt's `Time.__bool__`). */
const isSet = (t: FreshnessTime | undefined) => t?.count !== undefined && t?.period !== undefined;

/** dbt's `merge_freshness_time_thresholds`: fields of `update` over `base` when both are set, else the one set. */
function mergeTime(base: FreshnessTime | undefined, update: FreshnessTime | undefined): FreshnessTime | undefined {
  if (isSet(base) && isSet(update)) return { ...base, ...update };
  return isSet(update) ? update : base;
}

/**
 * dbt's `merge_source_freshness` over source, source `config:`, table, table `config:`: an explicit `null`
 * turns freshness off from that level on; otherwise later levels override the limits they set.
 */
function mergeFreshness(levels: Array<FreshnessThreshold | null>): FreshnessThreshold | undefined {
  let merged: FreshnessThreshold | null = levels[0];
  for (const update of levels.slice(1)) {
    if (merged && update) {
      merged = {
        warn_after: mergeTime(merged.warn_after, update.warn_after),
        error_after: mergeTime(merged.error_after, update.error_after),
        filter: update.filter ?? merged.filter,
      };
    } else merged = update;
  }
  if (!merged || (!isSet(merged.warn_after) && !isSet(merged.error_after))) return undefined;
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
}

/** Freshness levels of a source and its table, in dbt's order; a level not written counts as empty. */
function freshnessLevels(src: Entry, table: Entry): Array<FreshnessThreshold | null> {
  const level = (e: Entry) => ('freshness' in e ? thresholdOf(e.freshness) : {});
  return [level(src), level(asObject(src.config)), level(table), level(asObject(table.config))];
}

/** `loaded_at_field` of the table (top level or `config:`), else of the source. */
function loadedAtField(src: Entry, table: Entry): string | undefined {
  const of = (e: Entry) => e.loaded_at_field ?? asObject(e.config).loaded_at_field;
  const field = of(table) ?? of(src);
  return typeof field === 'string' ? field : undefined;
}

/**
 * dbt-duckdb's `external_location`: from the source's and the table's `meta` and `config` (table over
 * source), formatted as Python's `str.format_map` with `name`, `identifier`, `schema` and the meta keys.
 */
function externalLocation(src: Entry, table: Entry, fields: Record<string, unknown>, file: string) {
  const meta = {
    ...asObject(src.meta),
    ...asObject(table.meta),
    ...asObject(asObject(src.config).meta),
    ...asObject(asObject(table.config).meta),
    ...asObject(src.config),
    ...asObject(table.config),
  };
  const template = meta.external_location;
  if (typeof template !== 'string') return undefined;
  const values: Record<string, unknown> = { ...fields, ...meta };
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, key: string | undefined) => {
    if (key === undefined) return m[0];
    if (!(key in values)) {
      throw new CompileError(
        `${file}: external_location of source table ${String(fields.name)}: no value for {${key}}`,
      );
    }
    return String(values[key]);
  });
}

/** The configs of a source table that come from the source and the table together: external files, freshness. */
export function sourceTableConfigs(
  src: Entry,
  table: Entry,
  relation: { schema: string; identifier: string },
  file: string,
): Pick<ManifestSource, 'externalLocation' | 'loadedAtField' | 'freshness'> {
  const fields = { name: table.name, identifier: relation.identifier, schema: relation.schema, tags: [] };
  const externalLoc = externalLocation(src, table, fields, file);
  const field = loadedAtField(src, table);
  const freshness = mergeFreshness(freshnessLevels(src, table));
  return {
    ...(externalLoc !== undefined ? { externalLocation: externalLoc } : {}),
    ...(field !== undefined ? { loadedAtField: field } : {}),
    ...(freshness ? { freshness } : {}),
  };
}
