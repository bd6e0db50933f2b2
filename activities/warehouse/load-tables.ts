import { decimalSpec } from '../../lib/config/schema';
import { columnsByHeader, readFirstLine, type CsvFieldColumns } from '../formats/csv-header';
import { NODE_ENCODING } from '../formats/encodings';
import type { Dialect } from './dialect';
import { UnparsableFile, type BulkLoadRequest } from './warehouse';

/** Columns every load's target has after its data and audit columns. */
export const LOAD_COLUMNS = ['_edp_row_number', '_edp_raw', '_edp_loaded_at'] as const;

/** The load's constant audit values as a select list (with a trailing comma), typed as declared; named unless `named` is false. */
export function auditColumns(d: Dialect, req: BulkLoadRequest, named = true): string {
  const list = Object.entries(req.audit).map(
    ([name, a]) => `CAST(${d.literal(a.value)} AS ${d.columnType(a.type)})${named ? ` AS ${d.quoteIdent(name)}` : ''}`,
  );
  return list.length > 0 ? `${list.join(', ')}, ` : '';
}

/**
 * A load's target columns as an INSERT names them: its data columns, audit columns, row number, original
 * text and load time. Named, not positional: a table may hold columns the load does not write (one the
 * config dropped, one a file of the old shape lacks), and columns added later sit after the load columns.
 */
export function targetColumnList(d: Dialect, req: BulkLoadRequest): string {
  return [...Object.keys(req.columns), ...Object.keys(req.audit), ...LOAD_COLUMNS]
    .map((c) => d.quoteIdent(c))
    .join(', ');
}

/**
 * Where each field of a CSV load's file goes, in file order: by the header's names unless the request
 * maps by position (then the declared columns in order). A header that does not match throws
 * {@link UnparsableFile} naming the file and the columns, so the file is quarantined whole.
 */
export async function csvFieldColumns(req: BulkLoadRequest): Promise<CsvFieldColumns> {
  const names = Object.keys(req.columns);
  if (req.format !== 'csv' || !req.header || req.columnsBy === 'position') return names;
  const header = await readFirstLine(req.file, NODE_ENCODING[req.encoding]);
  // Not text in its encoding, so no header to read names from: the file is left to the reader, which
  // refuses a binary file whole with its own reason, as it always has.
  if (header.includes('\uFFFD')) return names;
  const mapped = columnsByHeader(header, req.delimiter, req.quote, names, req.extraColumns ?? 'reject');
  if (typeof mapped === 'string') throw new UnparsableFile(`${req.sourceName}: ${mapped}`);
  return mapped;
}

/**
 * Creates a load's target and error tables if missing, on any engine: typed columns, then the audit
 * columns, then the row number, original text and load time. `run` executes one statement.
 */
export async function ensureLoadTables(
  run: (sql: string) => Promise<unknown>,
  d: Dialect,
  req: BulkLoadRequest,
): Promise<void> {
  const q = (name: string): string => d.quoteIdent(name);
  const auditDdl = Object.entries(req.audit)
    .map(([name, a]) => `${q(name)} ${d.columnType(a.type)}, `)
    .join('');
  const ts = d.columnType('timestamp');
  await run(
    `CREATE TABLE IF NOT EXISTS ${d.table(req.target)} (
       ${Object.entries(req.columns)
         .map(([name, type]) => `${q(name)} ${d.columnType(type)}`)
         .join(', ')},
       ${auditDdl}_edp_row_number BIGINT, _edp_raw VARCHAR, _edp_loaded_at ${ts})`,
  );
  await run(
    `CREATE TABLE IF NOT EXISTS ${d.table(req.errors)} (
       source_file VARCHAR, source_row BIGINT, source_line BIGINT, column_name VARCHAR, rule VARCHAR, raw_value VARCHAR,
       message VARCHAR, ${auditDdl}_edp_loaded_at ${ts})`,
  );
}

/** A column of a text load: its name, platform type and the alias of its typed value. */
export interface TextColumn {
  name: string;
  type: BulkLoadRequest['columns'][string];
  typed: string;
}

/** A row check of a load: the SQL condition under which it fails, and what the error row says. */
export interface LoadCheck {
  column: string;
  rule: 'required' | 'type';
  message: string;
  failed: string;
  /** On each check of a group that fails together: that none of the group fails, as one cheaper condition. */
  passes?: string;
}

/**
 * What a numeric column's text is checked against before its cast, which would round: digits allowed
 * after the point (`scale`), before it (`before`, unless the engine's integer range bounds it), and the
 * type as messages name it. Plain `decimal` is the engines' DECIMAL(18,2); none for non-numeric types.
 */
export function numericSpec(
  type: BulkLoadRequest['columns'][string],
): { scale: number; before?: number; label: string } | undefined {
  const spec = decimalSpec(type) ?? (type === 'decimal' ? PLAIN_DECIMAL : undefined);
  if (spec) {
    const label = `decimal(${spec.precision},${spec.scale})`;
    return { scale: spec.scale, before: spec.precision - spec.scale, label };
  }
  return type === 'integer' ? { scale: 0, label: 'integer' } : undefined;
}

/** Plain `decimal`: DECIMAL(18,2) on DuckDB, NUMBER(18,2) on Snowflake. */
const PLAIN_DECIMAL = Object.freeze({ precision: 18, scale: 2 });

/**
 * The checks of a numeric column's text `value` (`typed` is its TRY_CAST), made before the cast rounds:
 * at most `scale` digits after the point (trailing zeros aside), at most `before` before it (for an
 * integer: within the engine's range, which the cast checks), and plain digits otherwise. Exclusive,
 * so a bad value gets one reason. None for non-numeric types.
 */
export function numericChecks(
  d: Dialect,
  column: string,
  type: BulkLoadRequest['columns'][string],
  typed: string,
): LoadCheck[] {
  const spec = numericSpec(type);
  if (!spec) return [];
  const value = d.quoteIdent(column);
  const text = `TRIM(${value})`;
  const tooFine = d.regexFullMatch(text, `[+-]?[0-9]*[.][0-9]{${spec.scale}}[0-9]*[1-9][0-9]*`);
  const plain = d.regexFullMatch(text, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)');
  const tooLarge =
    spec.before === undefined
      ? { message: `out of the range of ${spec.label}`, when: `${plain} AND ${typed} IS NULL` }
      : {
          message: `more than ${spec.before} digits before the decimal point of ${spec.label}`,
          when: d.regexFullMatch(text, `[+-]?0*[1-9][0-9]{${spec.before},}([.][0-9]*)?`),
        };
  // Not null, it fails one of the three exactly when it fails this, tested once on every row: first whether the
  // text is the cast value's own rendering (most are, and that costs far less than a regular expression).
  const fits = d.regexFullMatch(text, fitsPattern(spec));
  const passes = `${value} IS NULL OR (${typed} IS NOT NULL AND (CAST(${typed} AS ${d.columnType('string')}) = ${value} OR ${fits}))`;
  const fine =
    spec.scale > 0
      ? `more than ${spec.scale} digits after the decimal point of ${spec.label}: never rounded`
      : `not a whole number, as ${spec.label} needs: never rounded`;
  return [
    { column, rule: 'type', message: fine, failed: `${value} IS NOT NULL AND ${tooFine}`, passes },
    {
      column,
      rule: 'type',
      message: tooLarge.message,
      failed: `${value} IS NOT NULL AND NOT ${tooFine} AND ${tooLarge.when}`,
      passes,
    },
    {
      column,
      rule: 'type',
      message: `not a valid ${type}`,
      failed: `${value} IS NOT NULL AND NOT ${tooFine} AND NOT (${tooLarge.when}) AND (${typed} IS NULL OR NOT ${plain})`,
      passes,
    },
  ];
}

/**
 * The numeric texts that are plain (digits, one optional point, a sign), with no non-zero digit past `scale`
 * and at most `before` significant digits before the point: what passes all three checks of
 * {@link numericChecks} but the cast.
 */
function fitsPattern(spec: { scale: number; before?: number }): string {
  const whole =
    spec.before === undefined ? '[0-9]+' : spec.before > 0 ? `(0*[1-9][0-9]{0,${spec.before - 1}}|0+)` : '0+';
  const fraction = spec.scale > 0 ? `([.][0-9]{0,${spec.scale}}0*)?` : '([.]0*)?';
  const fractionOnly = spec.scale > 0 ? `[.][0-9]{1,${spec.scale}}0*` : '[.]0+';
  return `[+-]?(${whole}${fraction}|${fractionOnly})`;
}

/** The condition that none of `checks` failed; a group's shared `passes` condition stands for its checks. */
export function passesAll(checks: readonly LoadCheck[]): string {
  const single = checks.filter((c) => c.passes === undefined).map((c) => `(${c.failed})`);
  const groups = [...new Set(checks.flatMap((c) => (c.passes === undefined ? [] : [`(${c.passes})`])))];
  const all = [...(single.length > 0 ? [`NOT (${single.join(' OR ')})`] : []), ...groups];
  return all.length > 0 ? `(${all.join(' AND ')})` : 'TRUE';
}

/**
 * The columns of a load read as text (`edp_t<i>` holds each typed value), the checks every row must
 * pass (a required value present, a non-text value that casts, a number that fits its type unrounded), and the
 * condition that all pass.
 */
export function textLoadChecks(
  d: Dialect,
  req: BulkLoadRequest,
): { cols: TextColumn[]; checks: LoadCheck[]; ok: string } {
  const cols = Object.entries(req.columns).map(([name, type], i) => ({ name, type, typed: `edp_t${i}` }));
  const q = (name: string): string => d.quoteIdent(name);
  const checks: LoadCheck[] = [
    ...req.required.map((name) => ({
      column: name,
      rule: 'required' as const,
      message: 'missing mandatory value',
      failed: `NULLIF(TRIM(${q(name)}), '') IS NULL`,
    })),
    ...cols.flatMap((c): LoadCheck[] => {
      if (c.type === 'string') return [];
      const numeric = numericChecks(d, c.name, c.type, c.typed);
      if (numeric.length > 0) return numeric;
      return [
        {
          column: c.name,
          rule: 'type',
          message: `not a valid ${c.type}`,
          failed: `${q(c.name)} IS NOT NULL AND ${c.typed} IS NULL`,
        },
      ];
    }),
  ];
  return { cols, checks, ok: passesAll(checks) };
}

/**
 * Inserts lines that never became rows (the caller's pre-scan rejects, lines a parser refused), bound
 * in batches of 500 (a line may hold any text, NUL included); `row` is the VALUES tuple with three
 * placeholders: line, text, reason. `run` executes one statement with its parameters.
 */
export async function insertRejectedLines(
  run: (sql: string, params: Array<string | number>) => Promise<unknown>,
  into: string,
  lines: ReadonlyArray<{ line: number; text: string; reason: string }>,
  row: string,
): Promise<void> {
  for (let i = 0; i < lines.length; i += 500) {
    const batch = lines.slice(i, i + 500);
    await run(
      `INSERT INTO ${into} VALUES ${batch.map(() => row).join(', ')}`,
      batch.flatMap((r) => [r.line, r.text, r.reason]),
    );
  }
}
