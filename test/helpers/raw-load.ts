import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditValue, Warehouse } from '../../activities/warehouse';
import type { LandingColumnType } from '../../lib/config/schema';
import { tmpDir } from './tmp';

/** What to load into `raw.<table>`: typed columns, rows, and the audit columns batch ingest stamps. */
export interface RawLoad {
  table: string;
  columns: Readonly<Record<string, LandingColumnType>>;
  required: readonly string[];
  rows: readonly object[];
  audit: Readonly<Record<string, AuditValue>>;
  /** Names the source in the error table; default the table. */
  sourceName?: string;
}

/** Loads rows into `raw.<table>` as batch ingest does: the engine's bulk load of an NDJSON file, in a transaction. */
export async function loadRawRows(w: Warehouse, load: RawLoad): Promise<void> {
  const file = join(tmpDir('edp-raw-load-'), `${load.table}.ndjson`);
  writeFileSync(file, load.rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const request = {
    file,
    format: 'ndjson' as const,
    delimiter: ',',
    header: false,
    quote: '"',
    encoding: 'utf-8' as const,
    columns: load.columns,
    required: load.required,
    target: { schema: 'raw', table: load.table },
    errors: { schema: 'raw', table: `${load.table}__errors` },
    audit: load.audit,
    sourceName: load.sourceName ?? load.table,
    keepRawText: true,
  };
  await w.execute('CREATE SCHEMA IF NOT EXISTS raw');
  await w.prepareBulkLoad(request);
  await w.transaction((tx) => tx.bulkLoad(request));
}
