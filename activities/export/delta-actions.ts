import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { ErrorType } from '../errors';
import { parseSchema, schemaString, type DeltaAction, type DeltaColumn, type DeltaSnapshot } from './delta-log';

/** Partition column of tables exported in `partition` mode. */
export const INTERVAL_PARTITION = 'edp_interval';

/** One export's commit, apart from the table version it lands on. */
export interface ExportCommit {
  mart: string;
  columns: readonly DeltaColumn[];
  partitioned: boolean;
  /** The interval's partition value (`fileStamp` of its start). */
  stamp: string;
  /** The new data file, relative to the table, with its size and rows; no size when the unload made no file. */
  file: { path: string; size: number | undefined; rows: number };
  txn: { appId: string; version: number };
  runId: string;
  now: number;
}

/**
 * The actions committing `c` on top of `snapshot`: protocol and metadata when new or changed, a `remove`
 * of every replaced file (all, or the interval's partition), the new file's `add`, the `txn` and the
 * commit info. Built again on the newer snapshot when another writer took the version. A partitioned
 * export whose columns changed or dropped a column is refused: other partitions keep the old schema.
 */
export function commitActions(snapshot: DeltaSnapshot, c: ExportCommit): DeltaAction[] {
  const actions: DeltaAction[] = [];
  const schema = schemaString(c.columns);
  const { partitioned, stamp, now } = c;
  if (!snapshot.metadata) {
    actions.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
  } else if (snapshot.metadata.schemaString !== schema) {
    const before = parseSchema(snapshot.metadata.schemaString);
    const changed = before.filter((b) => !c.columns.some((x) => x.name === b.name && x.type === b.type));
    if (changed.length > 0 && partitioned) {
      throw ApplicationFailure.nonRetryable(
        `marts.${c.mart} changed or dropped ${changed.map((x) => x.name).join(', ')}: other partitions still have the old schema; export once with mode overwrite`,
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
  if (c.file.size !== undefined) {
    actions.push({
      add: {
        path: c.file.path,
        partitionValues: partitioned ? { [INTERVAL_PARTITION]: stamp } : {},
        size: c.file.size,
        modificationTime: now,
        dataChange: true,
        stats: JSON.stringify({ numRecords: c.file.rows }),
      },
    });
  }
  actions.push({ txn: { appId: c.txn.appId, version: c.txn.version, lastUpdated: now } });
  actions.push({
    commitInfo: {
      timestamp: now,
      operation: 'WRITE',
      operationParameters: {
        mode: 'Overwrite',
        partitionBy: JSON.stringify(partitioned ? [INTERVAL_PARTITION] : []),
      },
      engineInfo: 'edp-pipelines',
      edpRunId: c.runId,
    },
  });
  return actions;
}
