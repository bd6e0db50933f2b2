import type { SqlTableConfig } from '../../lib/config/schema';

/** One extracted row: column name → value as the driver gives it (strings for dates and decimals). */
export type SourceRow = Record<string, unknown>;

/**
 * An operational SQL database the batch ingest reads from. One implementation per engine
 * (PostgreSQL here; SQL Server needs the same three methods, see docs/ingest.md).
 */
export interface SqlSource {
  /**
   * Streams the table's configured columns: in incremental mode only rows whose watermark is above
   * `after` (all rows when `after` is null), ordered by the watermark.
   */
  rows(table: SqlTableConfig, after: string | null): AsyncIterable<SourceRow[]>;
  /** The watermark as text, from a row. */
  watermarkOf(table: SqlTableConfig, row: SourceRow): string | null;
  close(): Promise<void>;
}
