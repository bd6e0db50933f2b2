import { isAbsolute, join } from 'node:path';
import { engineForTarget } from '../warehouse/engines';
import { renderRelation } from './jinja-context';
import type { Manifest, ManifestSource } from './manifest-types';

/** A path as the warehouse opens it: URLs (`s3://…`) and absolute paths as written, others under the project. */
export function resolveLocation(manifest: Manifest, location: string): string {
  return isAbsolute(location) || isUrl(location) ? location : join(manifest.projectDir, location);
}

/** Whether a location is a URL (`s3://…`, `https://…`) rather than a local path. */
export const isUrl = (location: string) => /^[a-z][\w+.-]*:\/\//i.test(location);

/** SQL literal text. */
export const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * What `source()` reads: the source's table, or for a source with `external_location` on DuckDB its files:
 * a function call (`read_csv(…)`) as written, a path quoted: a function call (`read_csv(…)`) as written,
 * (DuckDB reads the file it names, by its suffix).
 */
export function sourceSql(manifest: Manifest, source: ManifestSource): string {
  const location = source.externalLocation;
  // Only dbt-duckdb reads `external_location`; other adapters read the source's table.
  if (location === undefined || !engineForTarget(manifest.target.type).dbtAdapter?.externalFiles) {
    return renderRelation(source.relation, manifest.target.type);
  }
  if (location.includes('(') || location.startsWith("'")) return location;
  return quoted(resolveLocation(manifest, location));
}
