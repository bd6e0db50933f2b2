import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditSource } from '../audit';
import { sourceSql } from './external-location';
import { targetDir } from './manifest-store';
import type { FreshnessThreshold, FreshnessTime, Manifest, ManifestSource } from './manifest-types';

/**
 * `dbt source freshness`: for each source table with freshness limits, the age of its latest row
 * (`max(loaded_at_field)`, with the `filter`) against the warehouse's clock, as PASS, WARN or ERROR STALE.
 */

/** One source table's freshness, as dbt's `sources.json` reports it. */
export interface FreshnessResult {
  /** `source.<project>.<source>.<table>`. */
  id: string;
  /** `<source>.<table>`. */
  name: string;
  /** dbt's words: `pass`, `warn`, `error` (stale, or no rows at all), `runtime error` (the query failed). */
  status: 'pass' | 'warn' | 'error' | 'runtime error';
  maxLoadedAt?: string;
  snapshottedAt?: string;
  ageSeconds?: number;
  criteria: FreshnessThreshold;
  error?: string;
  ms: number;
}

/** Seconds in one unit of a freshness period. */
const PERIOD_SECONDS: Record<NonNullable<FreshnessTime['period']>, number> = { minute: 60, hour: 3600, day: 86400 };

/** dbt's `Time.exceeded`: the age is over `count` periods (a limit without both is never exceeded). */
function exceeded(limit: FreshnessTime | undefined, age: number): boolean {
  if (limit?.count === undefined || !limit.period) return false;
  return age > limit.count * PERIOD_SECONDS[limit.period];
}

/** A warehouse timestamp as text (`2026-01-01 10:00:00.5`, `…+00`, `… -0800`) as an instant; no zone = UTC, as dbt reads it. */
export function instantOf(text: string): Date | undefined {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  const zone =
    !m[4] || m[4] === 'Z' ? 'Z' : m[4].length === 3 ? `${m[4]}:00` : m[4].replace(/^([+-]\d\d):?(\d\d)$/, '$1:$2');
  const d = new Date(`${m[1]}T${m[2]}${ms}${zone}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** An instant as dbt writes it in sources.json (`2026-01-01T10:00:00.123000+00:00`). */
const dbtTime = (d: Date) => d.toISOString().replace('Z', '000+00:00');

/** The source tables `dbt source freshness` checks: those with a warn or error limit, optionally by `source:` selector. */
export function freshnessSources(manifest: Manifest, select: readonly string[] = []): ManifestSource[] {
  const wanted = (s: ManifestSource) =>
    select.length === 0 ||
    select.some((sel) => {
      const [source, table] = sel.replace(/^source:/, '').split('.');
      return s.sourceName === source && (table === undefined || table === '*' || table === s.name);
    });
  // In unique id order, as dbt runs them.
  return Object.values(manifest.sources)
    .filter((s) => s.freshness && wanted(s))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Checks one source table's freshness with `reader` (read-only queries). */
export async function checkFreshness(
  reader: Pick<AuditSource, 'query'>,
  manifest: Manifest,
  source: ManifestSource,
): Promise<FreshnessResult> {
  const started = performance.now();
  const criteria = source.freshness!;
  const base = { id: source.id, name: `${source.sourceName}.${source.name}`, criteria };
  const fail = (error: string): FreshnessResult => ({
    ...base,
    status: 'runtime error',
    error,
    ms: Math.round(performance.now() - started),
  });
  if (!source.loadedAtField) {
    return fail(`source ${base.name} (${source.path}) has freshness limits but no loaded_at_field`);
  }
  const where = criteria.filter ? ` where ${criteria.filter}` : '';
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await reader.query(
      `select cast(max(${source.loadedAtField}) as varchar) as max_loaded_at, cast(current_timestamp as varchar) as snapshotted_at from ${sourceSql(manifest, source)}${where}`,
    );
  } catch (err) {
    return fail(`source ${base.name} (${source.path}): ${(err as Error).message}`);
  }
  const row = rows[0] ?? {};
  const text = (v: unknown) =>
    v === null || v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  const maxText = text(row.max_loaded_at ?? row.MAX_LOADED_AT);
  // No row to date it by: dbt 1.10 takes the earliest time there is, so the source is as stale as can be.
  const loaded = maxText === undefined ? new Date('0001-01-01T00:00:00Z') : instantOf(maxText);
  const now = instantOf(text(row.snapshotted_at ?? row.SNAPSHOTTED_AT) ?? '');
  if (!loaded || !now) return fail(`source ${base.name}: '${maxText ?? ''}' is not a timestamp`);
  const age = (now.getTime() - loaded.getTime()) / 1000;
  const status = exceeded(criteria.error_after, age) ? 'error' : exceeded(criteria.warn_after, age) ? 'warn' : 'pass';
  return {
    ...base,
    status,
    maxLoadedAt: dbtTime(loaded),
    snapshottedAt: dbtTime(now),
    ageSeconds: age,
    ms: Math.round(performance.now() - started),
  };
}

/** dbt's `target/sources.json` (schema v3) for these results; returns the file written. */
export function writeSourcesJson(
  manifest: Manifest,
  results: readonly FreshnessResult[],
  run: { invocationId: string; elapsedSeconds: number },
): string {
  const time = (t?: FreshnessTime) => ({ count: t?.count ?? null, period: t?.period ?? null });
  const json = {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/sources/v3.json',
      // The dbt release whose artifact schema this file follows.
      dbt_version: '1.10.0',
      generated_at: new Date().toISOString(),
      invocation_id: run.invocationId,
      env: {},
    },
    // dbt 1.10 leaves sources whose query failed out of the file (they are in its log only).
    results: results
      .filter((r) => r.status !== 'runtime error')
      .map((r) => ({
        unique_id: r.id,
        max_loaded_at: r.maxLoadedAt,
        snapshotted_at: r.snapshottedAt,
        max_loaded_at_time_ago_in_s: r.ageSeconds,
        status: r.status,
        criteria: {
          warn_after: time(r.criteria.warn_after),
          error_after: time(r.criteria.error_after),
          filter: r.criteria.filter ?? null,
        },
        adapter_response: {},
        timing: [],
        thread_id: 'Thread-1',
        execution_time: r.ms / 1000,
      })),
    elapsed_time: run.elapsedSeconds,
  };
  const dir = targetDir(manifest);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sources.json');
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}
