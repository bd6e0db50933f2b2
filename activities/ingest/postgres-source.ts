import pg from 'pg';
import Cursor from 'pg-cursor';
import type { SqlSourceConfig, SqlTableConfig } from '../../lib/config/schema';
import { connectPostgres } from '../connections';
import type { SourceRow, SqlSource } from './sql-source';

const BATCH = 10_000;
// Dates, timestamps and numerics come back as the server's text, so no value shifts through a JS Date or float.
const TEXT_TYPES = new Set([1082, 1114, 1184, 1700]);
const parse = (oid: number): ((value: string) => unknown) =>
  TEXT_TYPES.has(oid) ? (value: string) => value : (pg.types.getTypeParser(oid, 'text') as (value: string) => unknown);
const types = { getTypeParser: parse as unknown as typeof pg.types.getTypeParser };

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A PostgreSQL source over `pg`, reading with a server-side cursor in batches. */
export class PostgresSource implements SqlSource {
  private constructor(private readonly client: pg.Client) {}

  /** Connects with the source's settings (TLS per `sslmode`, the password from the variable or file it names). */
  static async connect(source: SqlSourceConfig): Promise<PostgresSource> {
    return new PostgresSource(await connectPostgres(source, source.database, { types }));
  }

  async *rows(table: SqlTableConfig, after: string | null): AsyncIterable<SourceRow[]> {
    const cols = Object.keys(table.columns).map(ident).join(', ');
    const from = `${ident(table.schema)}.${ident(table.name)}`;
    const incremental = table.mode === 'incremental' && table.watermark;
    const sql = incremental
      ? `SELECT ${cols} FROM ${from} ${after === null ? '' : `WHERE ${ident(table.watermark!)} > $1`} ORDER BY ${ident(table.watermark!)}`
      : `SELECT ${cols} FROM ${from}`;
    const cursor = this.client.query(new Cursor<SourceRow>(sql, incremental && after !== null ? [after] : []));
    try {
      for (;;) {
        const batch = await cursor.read(BATCH);
        if (batch.length === 0) return;
        yield batch;
      }
    } finally {
      await cursor.close();
    }
  }

  watermarkOf(table: SqlTableConfig, row: SourceRow): string | null {
    const v = table.watermark ? row[table.watermark] : null;
    if (v === null || v === undefined) return null;
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
