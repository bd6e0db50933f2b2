import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { compileNode } from './compile';
import { renderRelation } from './jinja-context';
import { columnsOf, relationKind, scratchTable, type NodeBuilder } from './materialize';
import { EXTERNAL_FORMATS } from './parse/parse-checks';
import { isUrl, quoted, resolveLocation } from './external-location';

/**
 * dbt-duckdb's external files: `materialized='external'` writes a model's rows to a file (its `location`)
 * and makes the model's relation a view reading that file; a source with `external_location` is read
 * from files. Relative paths are relative to the project folder (dbt-duckdb's `external_root` is the
 * folder dbt runs in, which for a project is usually that one).
 */

/** The write options completed as dbt-duckdb's `external_write_options` does (format from the suffix, csv header). */
function completeOptions(location: string, options: Record<string, string>): Record<string, string> {
  const o = { ...options };
  if (!('format' in o)) {
    const ext = /\.([^./]+)$/.exec(location)?.[1]?.toLowerCase();
    o.format = ext ?? ('delimiter' in o ? 'csv' : 'parquet');
  }
  if (o.format === 'csv' && !('header' in o)) o.header = '1';
  if (o.partition_by && o.partition_by.includes(',') && !o.partition_by.startsWith('(')) {
    o.partition_by = `(${o.partition_by})`;
  }
  return o;
}

/** Options as dbt-duckdb writes them after `COPY … TO '<location>'`. */
function writeOptions(o: Record<string, string>): string {
  return Object.entries(o)
    .map(([k, v]) =>
      ['delimiter', 'quote', 'escape', 'null'].includes(k.toLowerCase()) && !v.startsWith("'")
        ? `${k} '${v}'`
        : `${k} ${v}`,
    )
    .join(', ');
}

/** Where dbt-duckdb reads back what it wrote: a glob over the partition folders when the write partitioned. */
function readLocation(location: string, options: Record<string, string>): string {
  if (!options.partition_by && !options.per_thread_output) return location;
  const globs = [location, '*'];
  if (options.partition_by) globs.push(...options.partition_by.split(',').map(() => '*'));
  return `${globs.join('/')}.${options.format ?? 'parquet'}`;
}

/** A config value as the SQL text dbt-duckdb puts in its place (`true`, `1`, text as written). */
const optionText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** `, key=value` read options as dbt-duckdb appends them to `read_parquet(…)`: text quoted, others as they are. */
function readOptions(options: Record<string, unknown>): string {
  return Object.entries(options)
    .map(([k, v]) => `, ${k}=${typeof v === 'string' ? quoted(v) : optionText(v)}`)
    .join('');
}

/** Builds an external model: its rows into the file at its location, its relation a view over the file. */
export const buildExternal: NodeBuilder = async (w, manifest, node, o) => {
  const rel = node.relation!;
  // `location` and `options` values are rendered as dbt-duckdb's render() does: in the model's context.
  const render = (text: string, what: string) =>
    /\{[{%]/.test(text) ? compileNode(manifest, { ...node, rawSql: text, path: `${node.path} (${what})` }, o) : text;
  const c = node.config;
  const configured = typeof c.format === 'string' ? c.format : undefined;
  const options: Record<string, string> = Object.fromEntries(
    Object.entries((c.options as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [
      k,
      render(optionText(v), `options.${k}`),
    ]),
  );
  if (configured) options.format = configured;
  if (c.delimiter) options.delimiter = String(c.delimiter);
  const written =
    typeof c.location === 'string'
      ? render(c.location, 'location')
      : `${rel.identifier}${options.partition_by ? '' : `.${configured ?? 'parquet'}`}`;
  const location = resolveLocation(manifest, written);
  const complete = completeOptions(location, options);
  const suffix = /\.([^./]+)$/.exec(location)?.[1]?.toLowerCase() ?? '';
  const format = configured ?? (EXTERNAL_FORMATS.includes(suffix) ? suffix : 'parquet');
  const sql = compileNode(manifest, node, o);
  const staged = scratchTable(manifest, node, o.invocationId, 'ext');
  await w.execute(`create or replace table ${staged} as\n${sql}`);
  try {
    const [row] = await w.query<{ n: unknown }>(`select count(*) as n from ${staged}`);
    const rows = Number(row.n);
    const columns = await columnsOf(w, w.dialect, staged);
    // An empty file would lose the columns: dbt-duckdb writes one row of NULLs and filters it out on read.
    if (rows === 0) await w.execute(`insert into ${staged} values (${columns.map(() => 'NULL').join(', ')})`);
    if (!isUrl(location)) mkdirSync(options.partition_by ? location : dirname(location), { recursive: true });
    await w.execute(`copy ${staged} to ${quoted(location)} (${writeOptions(complete)})`);
    const defaults: Record<string, Record<string, unknown>> = {
      parquet: { union_by_name: false },
      csv: { auto_detect: true },
      json: { auto_detect: true },
    };
    const readWith = (c[`${format}_read_options`] as Record<string, unknown> | undefined) ?? defaults[format];
    const notAllNull = rows === 0 ? ` where 1${columns.map((col) => ` AND "${col}" is not NULL`).join('')}` : '';
    const target = renderRelation(rel, manifest.target.type);
    if ((await relationKind(w, rel)) === 'table') await w.execute(`drop table ${target}`);
    await w.execute(
      `create or replace view ${target} as (\n  select * from read_${format}(${quoted(readLocation(location, complete))}${readOptions(readWith)})${notAllNull}\n)`,
    );
    return { sql, rows };
  } finally {
    await w.execute(`drop table if exists ${staged}`);
  }
};
