import { ApplicationFailure } from '@temporalio/common';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { SqlSourceConfig, SqlTableConfig } from '../../lib/config/schema';
import type { DataInterval } from '../../lib/intervals';
import { classified, ErrorType } from '../errors';
import { withHeartbeat } from '../heartbeat';
import type { KeyedLock } from '../keyed-lock';
import { ensureAudit, SOURCE_WATERMARKS } from '../audit';
import { ensureSchema, evolveTable, LOAD_COLUMNS, type BulkLoadRequest, type Warehouse } from '../warehouse';
import { PostgresSource } from './postgres-source';
import { recordLoad } from './record-load';
import { logEvent } from '../telemetry';
import { extractLog } from './ingest-log';
import type { SqlSource } from './sql-source';
import { watermarkTime } from './watermark-time';

/** What the SQL-source activities need from the worker. */
export interface ExtractDeps {
  warehouse: Warehouse;
  sources: readonly SqlSourceConfig[];
  /** Where extracts are staged as NDJSON before the bulk load. */
  extractDir: string;
  /** Opens a source; the worker uses the real drivers. */
  connect?: (source: SqlSourceConfig) => Promise<SqlSource>;
}

/** Input of {@link extractSqlTable}. */
export interface ExtractTableInput {
  source: string;
  table: string;
  interval: DataInterval;
  runId: string;
}

/** One table's extract. */
export interface TableExtractResult {
  source: string;
  table: string;
  target: string;
  mode: 'incremental' | 'full';
  rowsIn: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  /** Watermark before and after; equal when nothing new arrived. */
  watermarkBefore: string | null;
  watermarkAfter: string | null;
  /**
   * Set when the watermark before the extract (a date or timestamp) was already at or past the interval's end: the
   * interval's rows were extracted by a run of a later interval, or, committed with older values since, are skipped.
   */
  watermarkPastInterval?: true;
}

const WATERMARKS = SOURCE_WATERMARKS.name;

/** The raw table a source table lands in. */
export const targetOf = (source: SqlSourceConfig, table: SqlTableConfig): string =>
  table.target ?? `${source.name}_${table.name}`;

function sqlTable(sources: readonly SqlSourceConfig[], source: string, table: string) {
  const s = sources.find((x) => x.name === source);
  const t = s?.tables.find((x) => x.name === table);
  if (!s || !t)
    throw ApplicationFailure.nonRetryable(`no SQL source table ${source}.${table} in the config`, ErrorType.BadInput);
  return { s, t };
}

/**
 * Extracts one table into `raw.<target>`: rows above the committed watermark (or the whole table
 * in full mode, or when no watermark is committed, replacing the raw rows) are staged as NDJSON and bulk-loaded; the new watermark commits in the same
 * warehouse transaction as the rows, so a crash or retry re-extracts from the last committed one
 * and never loads a row twice. `lock` serializes extracts into the same target within the worker.
 */
export async function extractSqlTable(
  deps: ExtractDeps & { lock: KeyedLock },
  input: ExtractTableInput,
): Promise<TableExtractResult> {
  const w = deps.warehouse;
  const connect = deps.connect ?? ((s: SqlSourceConfig) => PostgresSource.connect(s));
  const { s, t } = sqlTable(deps.sources, input.source, input.table);
  const target = targetOf(s, t);
  return classified(`extracting ${s.name}.${t.schema}.${t.name}`, () =>
    withHeartbeat(
      () =>
        deps.lock.run(target, async () => {
          await ensureAudit(w);
          await ensureSchema(w, 'raw');
          const [saved] = await w.query<{ watermark: string | null }>(
            `SELECT watermark FROM ${WATERMARKS} WHERE source = ? AND table_name = ?`,
            [s.name, t.name],
          );
          const before = t.mode === 'incremental' ? (saved?.watermark ?? null) : null;

          // Stage the rows as NDJSON (references, not rows, travel through Temporal).
          const dir = join(deps.extractDir, s.name, t.name);
          mkdirSync(dir, { recursive: true });
          const file = join(dir, `${input.runId}-${Date.now()}.ndjson`);
          const out = createWriteStream(file);
          let after = before;
          let extracted = 0;
          const db = await connect(s);
          try {
            for await (const batch of db.rows(t, before)) {
              const text = batch.map((r) => JSON.stringify(r)).join('\n') + '\n';
              if (!out.write(text)) await once(out, 'drain');
              extracted += batch.length;
              after = db.watermarkOf(t, batch[batch.length - 1]) ?? after;
            }
          } finally {
            out.end();
            await once(out, 'close');
            await db.close();
          }
          try {
            const request: BulkLoadRequest = {
              file,
              format: 'ndjson',
              delimiter: ',',
              header: false,
              quote: '"',
              encoding: 'utf-8',
              columns: t.columns,
              required: t.required,
              target: { schema: 'raw', table: target },
              errors: { schema: 'raw', table: `${target}__errors` },
              audit: {
                _edp_run_id: { value: input.runId, type: 'string' },
                _edp_source: { value: `${s.name}.${t.schema}.${t.name}`, type: 'string' },
                _edp_interval_start: { value: input.interval.start, type: 'timestamp' },
              },
              sourceName: `${s.name}.${t.schema}.${t.name}`,
              keepRawText: true,
            };
            const table = w.dialect.table(request.target);
            if (t.mode === 'full') {
              // A full extract replaces the rows in the load's transaction; only changed columns
              // (names or types) drop the table first (outside it: Snowflake commits DDL by itself).
              const existing = await w.describeTable(request.target);
              const wanted = [...Object.keys(t.columns), ...Object.keys(request.audit), ...LOAD_COLUMNS];
              const changed =
                existing !== undefined &&
                (existing.map((c) => c.name).join() !== wanted.join() ||
                  existing.some((c) => c.name in t.columns && w.dialect.typeFamily(c.type) !== t.columns[c.name]));
              if (changed) await w.execute(`DROP TABLE ${table}`);
            }
            await w.prepareBulkLoad(request);
            await evolveTable(w, {
              ref: request.target,
              columns: t.columns,
              declaredAt: `sources.${s.name}.tables.${t.name}.columns`,
            });
            const counts = await w.transaction(async (tx) => {
              // No committed watermark means raw holds no extract of the table to build on: a first extract, or
              // a full refresh asked for by removing it (`edp run --full-refresh-table`), which replaces the rows.
              if (t.mode === 'full' || before === null) await tx.execute(`DELETE FROM ${table}`);
              const loaded = await tx.bulkLoad(request);
              if (loaded.rowsIn !== extracted) {
                throw ApplicationFailure.nonRetryable(
                  `extracted ${extracted} rows from ${s.name}.${t.name} but the load counted ${loaded.rowsIn}`,
                );
              }
              await tx.execute(`DELETE FROM ${WATERMARKS} WHERE source = ? AND table_name = ?`, [s.name, t.name]);
              await tx.execute(`INSERT INTO ${WATERMARKS} VALUES (?, ?, ?, ?, ?, ${w.dialect.now()})`, [
                s.name,
                t.name,
                after,
                loaded.rowsLoaded,
                input.runId,
              ]);
              return loaded;
            });
            const beforeTime = watermarkTime(t, before);
            recordLoad(target, 'sql', counts);
            logEvent('table extracted', extractLog(s.name, t.name, `raw.${target}`, counts));
            return {
              source: s.name,
              table: t.name,
              target: `raw.${target}`,
              mode: t.mode,
              ...counts,
              watermarkBefore: before,
              watermarkAfter: after,
              ...(beforeTime !== undefined && beforeTime >= Date.parse(input.interval.end)
                ? { watermarkPastInterval: true as const }
                : {}),
            };
          } finally {
            rmSync(file, { force: true });
          }
        }),
      { source: s.name, table: t.name },
    ),
  );
}
