import { ApplicationFailure } from '@temporalio/common';
import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { columnsByOf, type EntityConfig } from '../../lib/config/schema';
import type { DataInterval } from '../../lib/intervals';
import { landingNameMatcher } from '../../lib/landing-pattern';
import { classified, ErrorType } from '../errors';
import { withHeartbeat } from '../heartbeat';
import type { KeyedLock } from '../keyed-lock';
import type { ObjectStore } from '../storage';
import { logEvent } from '../telemetry';
import { againWhenRaced, ensureAudit, INGEST_LOAD_ID } from '../audit';
import {
  ensureOnce,
  ensureSchema,
  evolveTable,
  UnparsableFile,
  type BulkLoadRequest,
  type BulkLoadResult,
  type Warehouse,
  type WarehouseSession,
} from '../warehouse';
import { scanCsvLines, type CsvLineScan } from '../formats/csv-lines';
import { manifestEntriesFor, recordManifest, type ManifestEntry, type ManifestStatus } from './ingest-manifest';
import type { IngestDeps } from './ingest-deps';
import { gzipRefusal, readLandedFile, type LandedFileRead } from './landing-file-checks';
import { columnsOfFile } from './file-columns';
import { fileChecksum } from './landing-files';
import { ensureContentLock, lockContent, untilContentSettled } from './ingest-lock';
import { fileLoadLog } from './ingest-log';
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
  /** Set when the file could not be parsed at all, or was refused unread: the reason it was quarantined whole. */
  quarantinedFile?: string;
  /** Set when the same content was loaded under another name in this interval: that file. */
  duplicateOf?: string;
  /** With {@link duplicateOf}: true when this file was skipped (`landing.duplicateFiles: skip`), false when loaded again. */
  duplicateSkipped?: boolean;
}

/** Node's names for the configured encodings. */
const NODE_ENCODING: Record<EntityConfig['encoding'], BufferEncoding> = {
  'utf-8': 'utf8',
  'utf-16': 'utf16le',
  'latin-1': 'latin1',
};

/** Reader errors that mean the file as a whole cannot be parsed (not a transient failure). */
const UNPARSABLE = /^(Invalid Input Error|Conversion Error)/;

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

/** Counts of a file no row was read from. */
const NONE: BulkLoadResult = Object.freeze({ rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0 });

/**
 * Reads what the load needs before it starts from `path`, the file's local bytes: the checksum, the CSV
 * line scan, and whether the file is refused whole. A link or a path outside the landing folder is refused
 * before any byte is read; its checksum is the refusal's, so a re-run finds it recorded.
 */
async function readForLoad(
  store: ObjectStore,
  file: string,
  path: string,
  e: EntityConfig,
  copyTo: string | undefined,
): Promise<LandedFileRead & { scan?: CsvLineScan }> {
  const refused = await store.refusal(file);
  if (refused) return { checksum: createHash('sha256').update(refused).digest('hex'), refused };
  if (e.format !== 'csv') return readLandedFile(path, e.format);
  // CSV: one read gives the checksum, the physical line count, the lines to quarantine and, for a warehouse
  // that loads from one, the numbered copy.
  try {
    const scan = await scanCsvLines(path, e.header, e.quote, NODE_ENCODING[e.encoding], e.delimiter, copyTo);
    return { checksum: scan.checksum, scan };
  } catch (err) {
    const gzip = gzipRefusal(err);
    if (gzip === undefined) throw err;
    return { checksum: await fileChecksum(path), refused: gzip };
  }
}

/** What a manifest entry recorded earlier says about this file now. */
function fromPrior(
  prior: ManifestEntry,
  twin: string | undefined,
): Omit<FileLoadResult, 'entity' | 'file' | 'checksum'> {
  return {
    rowsIn: prior.rowsIn,
    rowsLoaded: prior.rowsLoaded,
    rowsQuarantined: prior.rowsQuarantined,
    alreadyLoaded: true,
    ...(prior.status === 'quarantined' && prior.reason ? { quarantinedFile: prior.reason } : {}),
    ...(prior.status === 'duplicate' && twin ? { duplicateOf: twin, duplicateSkipped: true } : {}),
  };
}

/**
 * Loads an entity's file for the interval into `raw.<entity>` exactly once: the manifest row keyed
 * by (entity, file, checksum) commits in the same transaction as the rows, so a retry, re-run or
 * backfill skips it, while changed content under the same name loads as a new version. A file that
 * cannot be loaded as a whole (a link, a broken gzip stream, a `json` file that is no array, content the
 * reader cannot parse) is quarantined: recorded with its reason, never failing the load or the run. The
 * same content under a second name in the interval is skipped or loaded again as `duplicateFiles` says,
 * and reported either way. Loads of the same content take turns: within the worker on `lock`, across
 * workers on the content's row lock in the warehouse, so two loads of it never both commit.
 */
export async function loadLandingFile(
  deps: IngestDeps & { lock: KeyedLock; store: ObjectStore },
  input: LoadFileInput,
): Promise<FileLoadResult> {
  const e = entityNamed(deps.entities, input.entity);
  const file = input.file;
  const where = deps.store.locationOf(file);
  // Only a file of this entity and interval: the name is checked, so no input reaches outside the landing folder.
  if (dirname(file) !== e.name || !landingNameMatcher(e.pattern, input.interval).test(basename(file))) {
    throw ApplicationFailure.nonRetryable(
      `${file} is not a ${e.name} file of this interval (pattern ${e.pattern})`,
      ErrorType.BadInput,
    );
  }
  return classified(`loading ${where}`, async () => {
    // A dangling link is there (locally), to be refused.
    const bytes = await deps.store.size(file);
    if (bytes === undefined) throw ApplicationFailure.nonRetryable(`${where} does not exist`, ErrorType.BadInput);
    // On object storage the file is read once into a scratch copy: the scan, the checksum and the loader read that.
    // Heartbeats cover the download too: a big object takes a while to copy.
    return withHeartbeat(() => deps.store.withLocalCopy(file, (path) => loadLocal(deps, input, e, bytes, path)), {
      file,
    });
  });
}

/** The load of {@link loadLandingFile}, reading the file's bytes from the local `path`. */
async function loadLocal(
  deps: IngestDeps & { lock: KeyedLock; store: ObjectStore },
  input: LoadFileInput,
  e: EntityConfig,
  bytes: number,
  path: string,
): Promise<FileLoadResult> {
  const copyTo = deps.warehouse.loadsNumberedCsv ? join(tmpdir(), `edp-numbered-${randomUUID()}.csv`) : undefined;
  try {
    return await loadScanned(deps, input, e, bytes, path, copyTo);
  } finally {
    if (copyTo) rmSync(copyTo, { force: true });
  }
}

/** {@link loadLocal} once the numbered copy's path, if any, is chosen: the scan writes it there. */
async function loadScanned(
  deps: IngestDeps & { lock: KeyedLock; store: ObjectStore },
  input: LoadFileInput,
  e: EntityConfig,
  bytes: number,
  path: string,
  copyTo: string | undefined,
): Promise<FileLoadResult> {
  const file = input.file;
  const read = await readForLoad(deps.store, file, path, e, copyTo);
  const { checksum, scan } = read;
  await againWhenRaced(() => ensureManifest(deps.warehouse));
  const request = (loadId: number, source: string, columns = e.columns): BulkLoadRequest => ({
    file: source,
    rejectedLines: scan && [
      ...scan.unbalanced.map((u) => ({
        ...u,
        reason: 'unbalanced quote: the line would run into the lines after it',
      })),
      ...scan.nul,
      ...scan.undecodable,
    ],
    numberedCopy: scan?.numbered,
    format: e.format,
    delimiter: e.delimiter,
    header: e.header,
    quote: e.quote,
    encoding: e.encoding,
    columns,
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
  // The tables exist, with the declared columns, before loads run in parallel: concurrent DDL would conflict
  // (and another worker's first load of the entity may be creating them right now).
  await againWhenRaced(() =>
    ensureOnce(deps.warehouse, `load-tables:raw.${e.name}:${JSON.stringify(e.columns)}`, async () => {
      await deps.warehouse.prepareBulkLoad(request(0, path));
      await evolveTable(deps.warehouse, {
        ref: { schema: 'raw', table: e.name },
        columns: e.columns,
        declaredAt: `landing.entities.${e.name}.columns`,
      });
    }),
  );
  const base = { entity: e.name, file, checksum };
  const content = { entity: e.name, checksum };
  const ofInterval = landingNameMatcher(e.pattern, input.interval);
  // Written only under the content's lock, after checking that no other load (another worker, a
  // retry still running elsewhere) committed this content since `seen` manifest rows were read.
  const record = async (
    tx: WarehouseSession,
    seen: number,
    counts: BulkLoadResult,
    status: ManifestStatus,
    reason: string | null,
    loadId: number | null,
  ): Promise<void> => {
    await lockContent(tx, deps.warehouse.dialect, content, seen, `${input.runId} ${file}`);
    await recordManifest(tx, deps.warehouse.dialect, {
      ...base,
      bytes,
      counts,
      runId: input.runId,
      interval: input.interval,
      status,
      reason,
      loadId,
    });
  };
  const load = async (seen: (n: number) => void): Promise<FileLoadResult> => {
    // Taken outside the transaction: a sequence value is never handed out twice, even to a load that rolls back.
    const [{ id }] = await deps.warehouse.query<{ id: string }>(
      `SELECT ${deps.warehouse.dialect.nextValue(LOAD_IDS)} AS id`,
    );
    const loadId = Number(id);
    return deps.warehouse.transaction(async (tx): Promise<FileLoadResult> => {
      const recorded = await manifestEntriesFor(tx, e.name, checksum);
      seen(recorded.length);
      const prior = recorded.find((r) => r.file === file);
      // The same bytes under another name of this interval; an unchanged snapshot in a later interval is not one.
      const twin = recorded.find(
        (r) => r.file !== file && r.status === 'loaded' && ofInterval.test(basename(r.file)),
      )?.file;
      if (prior) return { ...base, ...fromPrior(prior, twin) };
      if (read.refused) {
        await record(tx, recorded.length, NONE, 'quarantined', read.refused, null);
        return { ...base, ...NONE, alreadyLoaded: false, quarantinedFile: read.refused };
      }
      const duplicate = twin ? { duplicateOf: twin, duplicateSkipped: deps.duplicateFiles !== 'load' } : {};
      if (duplicate.duplicateSkipped) {
        await record(tx, recorded.length, NONE, 'duplicate', `same content as ${twin}`, null);
        return { ...base, ...NONE, alreadyLoaded: false, ...duplicate };
      }
      // Lines with unbalanced quotes, a NUL byte or bytes that are not UTF-8 are quarantined from the scan; the
      // loader leaves them, and blank lines holding spaces, out of what its reader sees.
      const columns = await columnsOfFile(e, path);
      const counts = await tx.bulkLoad(request(loadId, path, columns));
      if (scan && counts.rowsIn !== scan.dataLines) {
        // Never a silent loss: every physical line must be loaded or quarantined.
        throw ApplicationFailure.nonRetryable(
          `${file}: ${scan.dataLines} data lines but ${counts.rowsIn} rows accounted for (loaded ${counts.rowsLoaded}, quarantined ${counts.rowsQuarantined})`,
          ErrorType.BadInput,
        );
      }
      await record(tx, recorded.length, counts, 'loaded', null, loadId);
      return { ...base, ...counts, alreadyLoaded: false, ...duplicate };
    });
  };
  const quarantine = (reason: string, seen: (n: number) => void): Promise<FileLoadResult> =>
    deps.warehouse.transaction(async (tx) => {
      const recorded = (await manifestEntriesFor(tx, e.name, checksum)).length;
      seen(recorded);
      await record(tx, recorded, NONE, 'quarantined', reason, null);
      return { ...base, ...NONE, alreadyLoaded: false, quarantinedFile: reason };
    });
  // Files of one entity load in parallel (appends do not conflict). Loads of the same content take
  // turns within the worker, so a second name sees the first one's manifest row; across workers the
  // content's lock row does it, and the load that loses the race runs again to find the winner's row.
  await ensureContentLock(deps.warehouse, content);
  const result = await withHeartbeat(
    () =>
      deps.lock.run(`${e.name}\0${checksum}`, () =>
        untilContentSettled(deps.warehouse, content, async (seen) => {
          try {
            return await load(seen);
          } catch (err) {
            const message = (err as Error).message ?? String(err);
            if (!(err instanceof UnparsableFile) && !UNPARSABLE.test(message)) throw err;
            return await quarantine(message.split('\n')[0], seen);
          }
        }),
      ),
    { file },
  );
  if (!result.alreadyLoaded) recordLoad(e.name, 'file', result);
  logEvent(result.alreadyLoaded ? 'file already loaded' : 'file loaded', fileLoadLog(result));
  return result;
}
