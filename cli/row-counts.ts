import { num } from './output';

/**
 * How the CLI's summaries name row counts: one word per quantity, the same on every line of `edp run`,
 * `edp backfill`, `edp dbt` and `edp quality` (README, under the demo's output).
 * read: rows found in landing files and source tables; loaded: of those, rows written to `raw.*`;
 * quarantined: rows set aside instead (bad input at ingest, rule failures at the quality gate);
 * written: rows a transform node wrote (a table's or seed's rows, an incremental's or snapshot's new rows);
 * failing: rows a dbt test found; checked / invalid: rows a quality rule read / found failing; exported: rows
 * written to a Delta table.
 */
export type RowCount = 'read' | 'loaded' | 'quarantined' | 'written' | 'failing' | 'checked' | 'invalid' | 'exported';

/** `1,234 rows written`: a count with the word for what happened to the rows. */
export const rows = (n: number, what: RowCount): string => `${num(n)} ${n === 1 ? 'row' : 'rows'} ${what}`;

/** `10,081 rows read = 10,033 loaded + 48 quarantined`: an ingest's rows, every one accounted for. */
export const readLoadedQuarantined = (read: number, loaded: number, quarantined: number): string =>
  `${rows(read, 'read')} = ${num(loaded)} loaded + ${num(quarantined)} quarantined`;
