import { EdpError } from '../../lib/errors';
import type { ObjectStore } from '../storage';

/** Delta Lake `add` action: a data file that is part of the table. */
export interface AddAction {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** JSON text with at least `numRecords`. */
  stats?: string;
}

/** Delta Lake `metaData` action. */
export interface MetadataAction {
  id: string;
  format: { provider: 'parquet'; options: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime: number;
}

/** One line of a Delta log commit. */
export type DeltaAction =
  | { protocol: { minReaderVersion: number; minWriterVersion: number } }
  | { metaData: MetadataAction }
  | { add: AddAction }
  | {
      remove: {
        path: string;
        deletionTimestamp: number;
        dataChange: boolean;
        partitionValues: Record<string, string | null>;
        size: number;
      };
    }
  | { txn: { appId: string; version: number; lastUpdated: number } }
  | { commitInfo: Record<string, unknown> };

/** The table's state after replaying its log. */
export interface DeltaSnapshot {
  /** Latest committed version; -1 for a table that does not exist yet. */
  version: number;
  metadata?: MetadataAction;
  files: Map<string, AddAction>;
  /** Per application id: the latest `txn` version and the table version that committed it. */
  txns: Map<string, { version: number; committedIn: number }>;
}

/** Another writer committed the same version first; retrying reads the new state and tries again. */
export class ConcurrentCommitError extends EdpError {
  constructor(message: string) {
    super(message, { type: 'ConcurrentCommitError', retryable: true });
  }
}

const LOG_DIR = '_delta_log';
const logKey = (table: string, version: number): string =>
  `${table}/${LOG_DIR}/${String(version).padStart(20, '0')}.json`;

/** Replays `<table>/_delta_log/*.json` in order (this writer makes no checkpoints, so the JSON commits are the whole log). */
export async function readSnapshot(store: ObjectStore, table: string): Promise<DeltaSnapshot> {
  const snapshot: DeltaSnapshot = { version: -1, files: new Map(), txns: new Map() };
  const versions = (await store.list(`${table}/${LOG_DIR}`))
    .filter((f) => f.file && /^\d{20}\.json$/.test(f.name))
    .map((f) => Number(f.name.slice(0, 20)))
    .sort((a, b) => a - b);
  for (const version of versions) {
    for (const line of (await store.read(logKey(table, version))).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      const action = JSON.parse(line) as Partial<Record<string, unknown>>;
      if (action.metaData) snapshot.metadata = action.metaData as MetadataAction;
      if (action.add) snapshot.files.set((action.add as AddAction).path, action.add as AddAction);
      if (action.remove) snapshot.files.delete((action.remove as { path: string }).path);
      if (action.txn) {
        const txn = action.txn as { appId: string; version: number };
        snapshot.txns.set(txn.appId, { version: txn.version, committedIn: version });
      }
    }
    snapshot.version = version;
  }
  return snapshot;
}

/**
 * Commits `actions` as version `version` of the table under `table`. The commit appears whole and only if
 * no other writer took that version (put-if-absent: a hard link locally, `If-None-Match: *` on S3), so
 * readers never see a partial commit and two writers never both own a version.
 */
export async function commit(
  store: ObjectStore,
  table: string,
  version: number,
  actions: DeltaAction[],
): Promise<void> {
  const body = actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
  if (!(await store.putIfAbsent(logKey(table, version), body)))
    throw new ConcurrentCommitError(
      `Delta version ${version} of ${store.locationOf(table)} was committed by another writer`,
    );
}

/** A column of the exported table. */
export interface DeltaColumn {
  name: string;
  /** Delta primitive type, e.g. `long`, `decimal(18,2)`, `timestamp`. */
  type: string;
  nullable: boolean;
}

/** The `schemaString` of a Delta `metaData` action (a Spark struct type as JSON). */
export function schemaString(columns: readonly DeltaColumn[]): string {
  return JSON.stringify({
    type: 'struct',
    fields: columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, metadata: {} })),
  });
}

/** The columns of a `schemaString`. */
export function parseSchema(schema: string): DeltaColumn[] {
  const struct = JSON.parse(schema) as { fields: Array<{ name: string; type: string; nullable: boolean }> };
  return struct.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable }));
}
