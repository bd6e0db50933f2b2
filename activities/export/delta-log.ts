import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdpError } from '../../lib/errors';

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
const logFile = (dir: string, version: number): string =>
  join(dir, LOG_DIR, `${String(version).padStart(20, '0')}.json`);

/** Replays `_delta_log/*.json` in order (this writer makes no checkpoints, so the JSON commits are the whole log). */
export function readSnapshot(tableDir: string): DeltaSnapshot {
  const snapshot: DeltaSnapshot = { version: -1, files: new Map(), txns: new Map() };
  const dir = join(tableDir, LOG_DIR);
  if (!existsSync(dir)) return snapshot;
  const versions = readdirSync(dir)
    .filter((f) => /^\d{20}\.json$/.test(f))
    .map((f) => Number(f.slice(0, 20)))
    .sort((a, b) => a - b);
  for (const version of versions) {
    for (const line of readFileSync(logFile(tableDir, version), 'utf8').split('\n')) {
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
 * Commits `actions` as table version `version`. The file appears atomically and only if no other
 * writer took that version (hard link: put-if-absent), so readers never see a partial commit.
 */
export function commit(tableDir: string, version: number, actions: DeltaAction[]): void {
  mkdirSync(join(tableDir, LOG_DIR), { recursive: true });
  const target = logFile(tableDir, version);
  const staging = join(tableDir, LOG_DIR, `.${randomUUID()}.json.tmp`);
  writeFileSync(staging, actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
  try {
    linkSync(staging, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ConcurrentCommitError(`Delta version ${version} of ${tableDir} was committed by another writer`);
    throw err;
  } finally {
    rmSync(staging, { force: true });
  }
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
