import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExportMode } from '../../lib/config/schema';
import { fileStamp, type DataInterval } from '../../lib/intervals';
import { classified, ErrorType } from '../errors';
import { withHeartbeat } from '../heartbeat';
import type { KeyedLock } from '../keyed-lock';
import { ensureAudit, EXPORT_MANIFEST } from '../audit';
import { assertIdentifier, type Warehouse } from '../warehouse';
import { addToCounter, logEvent } from '../telemetry';
import {
  commit,
  ConcurrentCommitError,
  parseSchema,
  readSnapshot,
  schemaString,
  type DeltaAction,
  type DeltaColumn,
  type DeltaSnapshot,
} from './delta-log';

/** What the export activities need from the worker. */
export interface ExportDeps {
  warehouse: Warehouse;
  /** Root folder of exported tables: each mart is a Delta table in `<exportDir>/<mart>`. */
  exportDir: string;
}

/** Input of {@link exportMart}. */
export interface ExportMartInput {
  mart: string;
  mode: ExportMode;
  interval: DataInterval;
  /** Recorded in the manifest. */
  runId: string;
  /**
   * Delta `txn` version for this export: the same on every retry of one pipeline run, larger for a
   * later run. A table already holding this version (or a later one) for the export's app id is
   * not written again.
   */
  txnVersion: number;
}

/** One mart's export, as recorded in `audit.export_manifest`. */
export interface MartExportResult {
  mart: string;
  mode: ExportMode;
  /** The Delta table's folder. */
  path: string;
  /** Table version holding this export. */
  deltaVersion: number;
  rows: number;
  bytes: number;
  files: number;
  /** True when an earlier attempt had already committed this export and nothing was written now. */
  alreadyCommitted: boolean;
}

/** Partition column of tables exported in `partition` mode. */
export const INTERVAL_PARTITION = 'edp_interval';
const MANIFEST = EXPORT_MANIFEST.name;

function numRecords(stats: string | undefined): number {
  return stats ? ((JSON.parse(stats) as { numRecords?: number }).numRecords ?? 0) : 0;
}

async function record(w: Warehouse, result: MartExportResult, input: ExportMartInput): Promise<MartExportResult> {
  await ensureAudit(w);
  await w.transaction(async (tx) => {
    await tx.execute(`DELETE FROM ${MANIFEST} WHERE run_id = ? AND mart = ?`, [input.runId, input.mart]);
    await tx.execute(
      `INSERT INTO ${MANIFEST} VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?, ${w.dialect.now()})`,
      [
        input.runId,
        input.mart,
        input.mode,
        result.path,
        input.interval.start,
        result.deltaVersion,
        input.txnVersion,
        result.rows,
        result.bytes,
        result.files,
      ],
    );
  });
  return result;
}

/** The files of the table (or of the interval's partition) as they stand, for a result. */
function describe(
  snapshot: DeltaSnapshot,
  input: ExportMartInput,
  path: string,
  deltaVersion: number,
  alreadyCommitted: boolean,
): MartExportResult {
  const stamp = fileStamp(input.interval.start);
  const files = [...snapshot.files.values()].filter(
    (f) => input.mode === 'overwrite' || f.partitionValues[INTERVAL_PARTITION] === stamp,
  );
  return {
    mart: input.mart,
    mode: input.mode,
    path,
    deltaVersion,
    rows: files.reduce((n, f) => n + numRecords(f.stats), 0),
    bytes: files.reduce((n, f) => n + f.size, 0),
    files: files.length,
    alreadyCommitted,
  };
}

/**
 * Publishes `marts.<mart>` as a Delta Lake table: writes a Parquet file, then commits one log
 * version that removes the replaced files (all, or the interval's partition), adds the new one
 * and records a `txn` (app id per mart and interval, version per pipeline run). Until the commit
 * the new file is invisible; a retry after the commit finds the `txn` and writes nothing. `lock`
 * serializes exports of the same mart within the worker.
 */
export async function exportMart(
  deps: ExportDeps & { lock: KeyedLock },
  input: ExportMartInput,
): Promise<MartExportResult> {
  const w = deps.warehouse;
  const tableDir = join(deps.exportDir, input.mart);
  const appId = `edp-export-${input.mart}-${fileStamp(input.interval.start)}`;
  return classified(`exporting marts.${input.mart} to ${tableDir}`, () =>
    withHeartbeat(
      () =>
        deps.lock.run(input.mart, async () => {
          const snapshot = readSnapshot(tableDir);
          const done = snapshot.txns.get(appId);
          if (done && done.version >= input.txnVersion) {
            return record(w, describe(snapshot, input, tableDir, done.committedIn, true), input);
          }

          const ref = { schema: 'marts', table: input.mart };
          const described = await w.describeTable(ref);
          if (!described)
            throw ApplicationFailure.nonRetryable(`marts.${input.mart} does not exist`, ErrorType.BadInput);
          const mapped = described.map((c) => ({ ...c, ...w.dialect.exportColumn(c.type) }));
          const columns: DeltaColumn[] = mapped.map((c) => ({ name: c.name, type: c.delta, nullable: c.nullable }));
          const partitioned = input.mode === 'partition';
          const stamp = fileStamp(input.interval.start);
          if (partitioned) columns.push({ name: INTERVAL_PARTITION, type: 'string', nullable: false });

          const actions: DeltaAction[] = [];
          const now = Date.now();
          const schema = schemaString(columns);
          if (!snapshot.metadata) {
            actions.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
          } else if (snapshot.metadata.schemaString !== schema) {
            const before = parseSchema(snapshot.metadata.schemaString);
            const changed = before.filter((b) => !columns.some((c) => c.name === b.name && c.type === b.type));
            if (changed.length > 0 && partitioned) {
              throw ApplicationFailure.nonRetryable(
                `marts.${input.mart} changed or dropped ${changed.map((c) => c.name).join(', ')}: other partitions still have the old schema; export once with mode overwrite`,
                ErrorType.BadInput,
              );
            }
          }
          if (
            !snapshot.metadata ||
            snapshot.metadata.schemaString !== schema ||
            snapshot.metadata.partitionColumns.length !== (partitioned ? 1 : 0)
          ) {
            actions.push({
              metaData: {
                id: snapshot.metadata?.id ?? randomUUID(),
                format: { provider: 'parquet', options: {} },
                schemaString: schema,
                partitionColumns: partitioned ? [INTERVAL_PARTITION] : [],
                configuration: {},
                createdTime: snapshot.metadata?.createdTime ?? now,
              },
            });
          }

          // Data file first: invisible until the commit below names it.
          const relPath = `${partitioned ? `${INTERVAL_PARTITION}=${stamp}/` : ''}part-00000-${randomUUID()}-c000.snappy.parquet`;
          const file = join(tableDir, relPath);
          mkdirSync(dirname(file), { recursive: true });
          // Output names quoted as they are (lower case), so the Parquet columns match the Delta schema on every engine.
          const select = `SELECT ${mapped.map((c) => `${c.select(w.dialect.quoteIdent(c.name))} AS "${assertIdentifier(c.name)}"`).join(', ')} FROM ${w.dialect.table(ref)}`;
          let rows: number;
          try {
            rows = await w.unloadParquet(select, file);
          } catch (err) {
            rmSync(file, { force: true });
            throw err;
          }
          // An empty mart may leave no file (Snowflake unloads none): the version then only removes.
          const size = existsSync(file) ? statSync(file).size : undefined;

          for (const old of snapshot.files.values()) {
            if (!partitioned || old.partitionValues[INTERVAL_PARTITION] === stamp) {
              actions.push({
                remove: {
                  path: old.path,
                  deletionTimestamp: now,
                  dataChange: true,
                  partitionValues: old.partitionValues,
                  size: old.size,
                },
              });
            }
          }
          if (size !== undefined) {
            actions.push({
              add: {
                path: relPath,
                partitionValues: partitioned ? { [INTERVAL_PARTITION]: stamp } : {},
                size,
                modificationTime: now,
                dataChange: true,
                stats: JSON.stringify({ numRecords: rows }),
              },
            });
          }
          actions.push({ txn: { appId, version: input.txnVersion, lastUpdated: now } });
          actions.push({
            commitInfo: {
              timestamp: now,
              operation: 'WRITE',
              operationParameters: {
                mode: 'Overwrite',
                partitionBy: JSON.stringify(partitioned ? [INTERVAL_PARTITION] : []),
              },
              engineInfo: 'edp-pipelines',
              edpRunId: input.runId,
            },
          });
          const version = snapshot.version + 1;
          try {
            commit(tableDir, version, actions);
          } catch (err) {
            rmSync(file, { force: true }); // never referenced: safe to drop
            if (err instanceof ConcurrentCommitError) throw ApplicationFailure.retryable(err.message, err.name);
            throw err;
          }
          const exported = await record(w, describe(readSnapshot(tableDir), input, tableDir, version, false), input);
          addToCounter('edp_rows_exported', exported.rows, { mart: input.mart }, 'Rows written to Delta tables');
          logEvent('mart exported', { mart: input.mart, rows: exported.rows, files: exported.files, version });
          return exported;
        }),
      { mart: input.mart },
    ),
  );
}
