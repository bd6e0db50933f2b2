import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { ExportMode, S3Config } from '../../lib/config/schema';
import { fileStamp, type DataInterval } from '../../lib/intervals';
import { classified, ErrorType } from '../errors';
import { withHeartbeat } from '../heartbeat';
import type { KeyedLock } from '../keyed-lock';
import { ensureAudit, EXPORT_MANIFEST } from '../audit';
import { assertIdentifier, type Warehouse } from '../warehouse';
import { addToCounter, logEvent } from '../telemetry';
import type { ObjectStore } from '../storage';
import { commit, ConcurrentCommitError, readSnapshot, type DeltaColumn, type DeltaSnapshot } from './delta-log';
import { commitActions, INTERVAL_PARTITION, type ExportCommit } from './delta-actions';

/** What the export activities need from the worker. */
export interface ExportDeps {
  warehouse: Warehouse;
  /** `export.path`, a folder or an `s3://bucket/prefix` location: each mart is a Delta table in `<exportDir>/<mart>`. */
  exportDir: string;
  /** `s3`: how an `s3://` export path is reached. */
  s3?: S3Config;
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
  /** The Delta table's location (a folder or `s3://…`). */
  path: string;
  /** Table version holding this export. */
  deltaVersion: number;
  rows: number;
  bytes: number;
  files: number;
  /** True when an earlier attempt had already committed this export and nothing was written now. */
  alreadyCommitted: boolean;
}

const MANIFEST = EXPORT_MANIFEST.name;
/** Commits tried on newer versions before the activity gives up for now (and is retried). */
const COMMIT_ATTEMPTS = 10;

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
 * serializes exports of the same mart within the worker; across workers the commit is put-if-absent:
 * a writer that loses a version re-reads the log and either finds its own `txn` committed by the winner
 * (then drops its file and reports the winner's version) or commits on the next version.
 */
export async function exportMart(
  deps: ExportDeps & { lock: KeyedLock; store: ObjectStore },
  input: ExportMartInput,
): Promise<MartExportResult> {
  const w = deps.warehouse;
  const store = deps.store;
  const table = input.mart;
  const tableDir = store.locationOf(table);
  const appId = `edp-export-${input.mart}-${fileStamp(input.interval.start)}`;
  /** The export as committed already (by an earlier attempt or a concurrent writer), when it is. */
  const committed = (snapshot: DeltaSnapshot): Promise<MartExportResult> | undefined => {
    const done = snapshot.txns.get(appId);
    if (!done || done.version < input.txnVersion) return undefined;
    return record(w, describe(snapshot, input, tableDir, done.committedIn, true), input);
  };
  return classified(`exporting marts.${input.mart} to ${tableDir}`, () =>
    withHeartbeat(
      () =>
        deps.lock.run(input.mart, async () => {
          let snapshot = await readSnapshot(store, table);
          const earlier = committed(snapshot);
          if (earlier) return earlier;

          const ref = { schema: 'marts', table: input.mart };
          const described = await w.describeTable(ref);
          if (!described)
            throw ApplicationFailure.nonRetryable(`marts.${input.mart} does not exist`, ErrorType.BadInput);
          const mapped = described.map((c) => ({ ...c, ...w.dialect.exportColumn(c.type) }));
          const columns: DeltaColumn[] = mapped.map((c) => ({ name: c.name, type: c.delta, nullable: c.nullable }));
          const partitioned = input.mode === 'partition';
          const stamp = fileStamp(input.interval.start);
          if (partitioned) columns.push({ name: INTERVAL_PARTITION, type: 'string', nullable: false });
          const relPath = `${partitioned ? `${INTERVAL_PARTITION}=${stamp}/` : ''}part-00000-${randomUUID()}-c000.snappy.parquet`;
          const plan: ExportCommit = {
            mart: input.mart,
            columns,
            partitioned,
            stamp,
            file: { path: relPath, size: undefined, rows: 0 },
            txn: { appId, version: input.txnVersion },
            runId: input.runId,
            now: Date.now(),
          };
          commitActions(snapshot, plan); // a refused schema change fails here, before any file is written

          // Data file first: invisible until the commit below names it.
          // Output names quoted as they are (lower case), so the Parquet columns match the Delta schema on every engine.
          const select = `SELECT ${mapped.map((c) => `${c.select(w.dialect.quoteIdent(c.name))} AS "${assertIdentifier(c.name)}"`).join(', ')} FROM ${w.dialect.table(ref)}`;
          const dataKey = `${table}/${relPath}`;
          // An empty mart may leave no file (Snowflake unloads none): the version then only removes.
          const { value: rows, size } = await store.writeFrom(dataKey, (path) => w.unloadParquet(select, path));
          plan.file = { path: relPath, size, rows };

          let version = snapshot.version + 1;
          try {
            for (let attempt = 1; ; attempt++) {
              try {
                await commit(store, table, version, commitActions(snapshot, plan));
                break;
              } catch (err) {
                if (!(err instanceof ConcurrentCommitError)) throw err;
                snapshot = await readSnapshot(store, table);
                const theirs = committed(snapshot);
                if (theirs) {
                  await store.remove(dataKey); // never referenced: the winner's commit holds this export
                  return await theirs;
                }
                if (attempt >= COMMIT_ATTEMPTS) throw ApplicationFailure.retryable(err.message, err.name);
                version = snapshot.version + 1;
              }
            }
          } catch (err) {
            await store.remove(dataKey).catch(() => undefined); // never referenced: safe to drop
            throw err;
          }
          const exported = await record(
            w,
            describe(await readSnapshot(store, table), input, tableDir, version, false),
            input,
          );
          addToCounter('edp_rows_exported', exported.rows, { mart: input.mart }, 'Rows written to Delta tables');
          logEvent('mart exported', { mart: input.mart, rows: exported.rows, files: exported.files, version });
          return exported;
        }),
      { mart: input.mart },
    ),
  );
}
