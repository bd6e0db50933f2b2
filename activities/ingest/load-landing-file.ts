import { ApplicationFailure } from '@temporalio/common';
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { columnsByOf, type EntityConfig } from '../../lib/config/schema';
import type { DataInterval } from '../../lib/intervals';
import { landingNameMatcher } from '../../lib/landing-pattern';
import { classified, ErrorType } from '../errors';
import { withHeartbeat } from '../heartbeat';
import type { KeyedLock } from '../keyed-lock';
import { logEvent } from '../telemetry';
import { ensureAudit, INGEST_LOAD_ID, INGEST_MANIFEST } from '../audit';
import {
  ensureOnce,
  ensureSchema,
  UnparsableFile,
  type BulkLoadRequest,
  type BulkLoadResult,
  type Warehouse,
  type WarehouseSession,
} from '../warehouse';
import { copyWithoutLines, scanCsvLines } from '../formats/csv-lines';
import type { IngestDeps } from './ingest-deps';
import { fileChecksum } from './landing-files';
import { recordLoad } from './record-load';

/** Input of {@link loadLandingFile}. */
export interface LoadFileInput {
  entity: string;
  /** The file, relative to the landing folder, as `LandingCheck.files` lists it. */
  file: string;
  interval: DataInterval;
  /** Workflow run that loads it, stored as an audit column. */
  runId: string;
}

/** One file's load, as recorded in `audit.ingest_manifest`. */
export interface FileLoadResult {
  entity: string;
  file: string;
  checksum: string;
  rowsIn: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  /** True when this exact content was loaded before and nothing was written now. */
  alreadyLoaded: boolean;
  /** Set when the file could not be parsed at all: the reason it was quarantined whole. */
  quarantinedFile?: string;
}

/** Node's names for the configured encodings. */
const NODE_ENCODING: Record<EntityConfig['encoding'], BufferEncoding> = {
  'utf-8': 'utf8',
  'utf-16': 'utf16le',
  'latin-1': 'latin1',
};

/** Reader errors that mean the file as a whole cannot be parsed (not a transient failure). */
const UNPARSABLE = /^(Invalid Input Error|Conversion Error)/;

const MANIFEST = INGEST_MANIFEST.name;
/** Numbers each file load; raw rows carry it as `_edp_load_id` and the manifest says which file it was. */
const LOAD_IDS = INGEST_LOAD_ID;

function entityNamed(entities: readonly EntityConfig[], name: string): EntityConfig {
  const byName = new Map(entities.map((e) => [e.name, e]));
  const found = byName.get(name);
  if (!found)
    throw ApplicationFailure.nonRetryable(
      `unknown entity "${name}" (configured: ${[...byName.keys()].join(', ')})`,
      ErrorType.BadInput,
    );
  return found;
}

// Catalog changes from parallel loads would conflict inside their transactions, so they happen up front, once.
async function ensureManifest(w: Warehouse): Promise<void> {
  await ensureAudit(w);
  await ensureSchema(w, 'raw');
}

/**
 * Loads an entity's file for the interval into `raw.<entity>` exactly once: the manifest row keyed
 * by (entity, file, checksum) commits in the same transaction as the rows, so a retry, re-run or
 * backfill skips it, while changed content under the same name loads as a new version. A file the
 * reader cannot parse at all is quarantined whole: recorded with its reason, never failing the run.
 * `lock` serializes loads of the same file within the worker.
 */
export async function loadLandingFile(
  deps: IngestDeps & { lock: KeyedLock },
  input: LoadFileInput,
): Promise<FileLoadResult> {
  const e = entityNamed(deps.entities, input.entity);
  const file = input.file;
  const path = join(deps.landingDir, file);
  // Only a file of this entity and interval: the name is checked, so no input reaches outside the landing folder.
  if (dirname(file) !== e.name || !landingNameMatcher(e.pattern, input.interval).test(basename(file))) {
    throw ApplicationFailure.nonRetryable(
      `${file} is not a ${e.name} file of this interval (pattern ${e.pattern})`,
      ErrorType.BadInput,
    );
  }
  return classified(`loading ${path}`, async () => {
    if (!existsSync(path)) throw ApplicationFailure.nonRetryable(`${path} does not exist`, ErrorType.BadInput);
    // CSV: one read gives the checksum, the physical line count and the lines with unbalanced quotes.
    const scan =
      e.format === 'csv'
        ? await scanCsvLines(path, e.header, e.quote, NODE_ENCODING[e.encoding], e.delimiter)
        : undefined;
    const checksum = scan?.checksum ?? (await fileChecksum(path));
    const bytes = statSync(path).size;
    await ensureManifest(deps.warehouse);
    const request = (loadId: number, source: string): BulkLoadRequest => ({
      file: source,
      rejectedLines: scan && [
        ...scan.unbalanced.map((u) => ({
          ...u,
          reason: 'unbalanced quote: the line would run into the lines after it',
        })),
        ...scan.nul,
      ],
      blankLines: scan?.blank,
      dataRows: scan?.dataLines,
      format: e.format,
      delimiter: e.delimiter,
      header: e.header,
      quote: e.quote,
      encoding: e.encoding,
      columns: e.columns,
      columnsBy: columnsByOf(e),
      extraColumns: e.extraColumns,
      required: e.required,
      target: { schema: 'raw', table: e.name },
      errors: { schema: 'raw', table: `${e.name}__errors` },
      // Run id, file and checksum are the manifest's, by load id: long constant strings on every row
      // would cost as much to write as the data itself.
      audit: {
        _edp_load_id: { value: loadId, type: 'integer' },
        _edp_interval_start: { value: input.interval.start, type: 'timestamp' },
      },
      loadKey: '_edp_load_id',
      sourceName: file,
      keepRawText: e.keepRawText,
    });
    // The tables exist before loads run in parallel: concurrent first-time DDL would conflict.
    await ensureOnce(deps.warehouse, `load-tables:raw.${e.name}`, () =>
      deps.warehouse.prepareBulkLoad(request(0, path)),
    );
    const base = { entity: e.name, file, checksum };
    const d = deps.warehouse.dialect;
    const ts = d.columnType('timestamp');
    const record = (tx: WarehouseSession, counts: BulkLoadResult, reason: string | null, loadId: number | null) =>
      tx.execute(
        `INSERT INTO ${MANIFEST} VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS ${ts}), CAST(? AS ${ts}), ${d.now()}, ?, ?, ?)`,
        [
          e.name,
          file,
          checksum,
          bytes,
          counts.rowsIn,
          counts.rowsLoaded,
          counts.rowsQuarantined,
          input.runId,
          input.interval.start,
          input.interval.end,
          reason === null ? 'loaded' : 'quarantined',
          reason,
          loadId,
        ],
      );
    const load = async (): Promise<FileLoadResult> => {
      // Taken outside the transaction: a sequence value is never handed out twice, even to a load that rolls back.
      const [{ id }] = await deps.warehouse.query<{ id: string }>(
        `SELECT ${deps.warehouse.dialect.nextValue(LOAD_IDS)} AS id`,
      );
      const loadId = Number(id);
      return deps.warehouse.transaction(async (tx): Promise<FileLoadResult> => {
        const [prior] = await tx.query<{
          rows_in: string;
          rows_loaded: string;
          rows_quarantined: string;
          reason: string | null;
        }>(
          `SELECT rows_in, rows_loaded, rows_quarantined, reason FROM ${MANIFEST} WHERE entity = ? AND file = ? AND checksum = ?`,
          [e.name, file, checksum],
        );
        if (prior) {
          return {
            ...base,
            rowsIn: Number(prior.rows_in),
            rowsLoaded: Number(prior.rows_loaded),
            rowsQuarantined: Number(prior.rows_quarantined),
            alreadyLoaded: true,
            ...(prior.reason ? { quarantinedFile: prior.reason } : {}),
          };
        }
        // Lines with unbalanced quotes or a NUL byte (quarantined) and blank lines holding spaces (skipped) are
        // emptied before the reader sees the file.
        let source = path;
        if (scan && scan.unbalanced.length + scan.nul.length + scan.spaced.length > 0) {
          source = join(tmpdir(), `edp-${checksum}.csv`);
          const taken = [...scan.unbalanced, ...scan.nul].map((u) => u.line);
          await copyWithoutLines(path, new Set([...taken, ...scan.spaced]), source);
        }
        let counts: BulkLoadResult;
        try {
          counts = await tx.bulkLoad(request(loadId, source));
        } finally {
          if (source !== path) rmSync(source, { force: true }); // the copy, never the landed file
        }
        if (scan && counts.rowsIn !== scan.dataLines) {
          // Never a silent loss: every physical line must be loaded or quarantined.
          throw ApplicationFailure.nonRetryable(
            `${file}: ${scan.dataLines} data lines but ${counts.rowsIn} rows accounted for (loaded ${counts.rowsLoaded}, quarantined ${counts.rowsQuarantined})`,
            ErrorType.BadInput,
          );
        }
        await record(tx, counts, null, loadId);
        return { ...base, ...counts, alreadyLoaded: false };
      });
    };
    // Files of one entity load in parallel (appends do not conflict); the same file, one at a time.
    const result = await withHeartbeat(
      () =>
        deps.lock.run(file, async () => {
          try {
            return await load();
          } catch (err) {
            const message = (err as Error).message ?? String(err);
            if (!(err instanceof UnparsableFile) && !UNPARSABLE.test(message)) throw err;
            const reason = message.split('\n')[0];
            const none = { rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0 };
            await deps.warehouse.transaction((tx) => record(tx, none, reason, null));
            return { ...base, ...none, alreadyLoaded: false, quarantinedFile: reason };
          }
        }),
      { file },
    );
    if (!result.alreadyLoaded) recordLoad(e.name, 'file', result);
    logEvent(result.alreadyLoaded ? 'file already loaded' : 'file loaded', {
      entity: e.name,
      file,
      rowsIn: result.rowsIn,
      rowsLoaded: result.rowsLoaded,
      rowsQuarantined: result.rowsQuarantined,
      ...(result.quarantinedFile ? { quarantinedFile: result.quarantinedFile } : {}),
    });
    return result;
  });
}
