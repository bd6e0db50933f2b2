/**
 * Benchmark: 1,000,000 claim rows of CSV into raw.claims through the platform's loader (typed,
 * quarantining, manifest in the same transaction), against the physical limit measured in the same
 * round: DuckDB reading the same files straight into a typed table. Two shapes by default: the rows in
 * one file, and the same rows in ten files (loaded as many at once as batchIngest does).
 *
 * Run by hand: npx tsx bench/batch-ingest.ts [--rows 1000000] [--files 1,10] [--dirt 0.01] [--repeat 3]
 *
 * `--dirt` gives that share of rows one realistic defect (the sample generator's: missing key, wrong
 * type, extra column, unterminated quote, a latin-1 byte, unknown foreign key, duplicate). DuckDB's reader
 * (ignore_errors) lets a line with an unterminated quote swallow the lines after it, so with dirt the
 * limit reads a few fewer rows than the loader accounts for: the ratio compares rows per second.
 * Each round measures the limit and the loader back to back (paired), with the load average around it.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { createIngestActivities } from '../activities/ingest';
import { DuckDbWarehouse } from '../activities/warehouse';
import { loadConfig } from '../workers/config';
import { intervalsBetween, type DataInterval } from '../lib/intervals';
import type { EntityConfig } from '../lib/config/schema';
import { sampleFiles } from '../cli/sample-data';
import { landingFilePath } from '../activities/ingest';
import { fmt, loadAverage, loadNote, machine, spread } from './figures';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    files: { type: 'string', default: '1,10' },
    dirt: { type: 'string', default: '0' },
    repeat: { type: 'string', default: '3' },
  },
});
const rows = Number(values.rows);
const shapes = values.files.split(',').map(Number);
const dirt = Number(values.dirt);
const repeat = Number(values.repeat);
const root = join(__dirname, '..', '.edp', 'bench', 'batch-ingest');

async function main(): Promise<void> {
  const { config } = loadConfig({ file: join(__dirname, '..', 'edp.config.yaml'), env: {} });
  const claims = config.landing.entities.find((e) => e.name === 'claims')!;
  console.log(`machine: ${machine()}`);
  const verdicts: string[] = [];
  for (const fileCount of shapes) {
    const dir = join(root, `${fileCount}-files`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const { landing, intervals, files } = writeFiles(dir, claims, fileCount);
    const ratios: number[] = [];
    for (let run = 1; run <= repeat; run++) {
      // Fresh database files each round, so every round measures a first load.
      for (const f of ['limit.duckdb', 'limit.duckdb.wal', 'edp.duckdb', 'edp.duckdb.wal'])
        rmSync(join(dir, f), { force: true });
      const before = loadAverage();
      const limit = await measureLimit(dir, files, claims);
      const ours = await measureLoader(dir, landing, claims, intervals, config.pipeline.ingest.maxParallel);
      const ratio = ours.rowsIn / ours.seconds / (limit.rows / limit.seconds);
      ratios.push(ratio);
      console.log(`${fileCount} file(s), round ${run}/${repeat} (${loadNote(before, loadAverage())})`);
      console.log(
        `  DuckDB read_csv → typed table (limit): ${fmt(limit.rows)} rows in ${limit.seconds.toFixed(2)} s = ${fmt(limit.rows / limit.seconds)} rows/s`,
      );
      console.log(
        `  edp loadLandingFile × ${ours.maxParallel} at once (typed, quarantine, manifest, exactly-once): ${fmt(ours.rowsIn)} rows in = ${fmt(ours.loaded)} loaded + ${fmt(ours.quarantined)} quarantined, ${ours.seconds.toFixed(2)} s = ${fmt(ours.rowsIn / ours.seconds)} rows/s`,
      );
      console.log(`  ratio to the limit (rows/s): ${ratio.toFixed(2)}`);
    }
    verdicts.push(`${fileCount} file(s), ${dirt * 100} % dirt: ratio to the limit ${spread(ratios)}; target ≥ 0.70`);
  }
  for (const v of verdicts) console.log(v);
}

/** The sample generator's claims for `fileCount` intervals, `rows` in all, written where the loader looks. */
function writeFiles(dir: string, claims: EntityConfig, fileCount: number) {
  const landing = join(dir, 'landing');
  const intervals = intervalsBetween(new Date('2026-01-01T00:00Z'), new Date('2027-01-01T00:00Z'), 4).slice(
    0,
    fileCount,
  );
  process.stdout.write(`generating ${fmt(rows)} claim rows in ${fileCount} CSV file(s), ${dirt * 100} % dirt… `);
  const files: string[] = [];
  let bytes = 0;
  for (const interval of intervals) {
    const csv = sampleFiles(interval, {
      seed: 7,
      members: 50_000,
      providers: 2_000,
      claimsPerInterval: Math.ceil(rows / fileCount),
      dirt,
    }).find((f) => f.entity === 'claims')!.content;
    const path = landingFilePath(landing, claims, interval);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, csv);
    files.push(path);
    bytes += statSync(path).size;
  }
  console.log(`${(bytes / 1e6).toFixed(1)} MB`);
  return { landing, intervals, files };
}

/** The physical limit: DuckDB's own reader, same files, same types, into a table, in one statement. */
async function measureLimit(
  dir: string,
  files: string[],
  claims: EntityConfig,
): Promise<{ rows: number; seconds: number }> {
  const limitDb = await DuckDbWarehouse.open({ path: join(dir, 'limit.duckdb') });
  const cols = Object.entries(claims.columns)
    .map(([name, type]) => `'${name}': '${limitDb.dialect.columnType(type)}'`)
    .join(', ');
  const t = performance.now();
  await limitDb.execute(
    `CREATE TABLE claims AS SELECT * FROM read_csv([${files.map((f) => `'${f}'`).join(', ')}], header = true, columns = {${cols}}, ignore_errors = true)`,
  );
  const seconds = (performance.now() - t) / 1000;
  const [limitRows] = await limitDb.query<{ n: string }>('SELECT count(*) AS n FROM claims');
  await limitDb.close();
  return { rows: Number(limitRows.n), seconds };
}

/** The platform's loader: one loadLandingFile activity per file, as many at once as batchIngest runs. */
async function measureLoader(
  dir: string,
  landing: string,
  claims: EntityConfig,
  intervals: DataInterval[],
  maxParallel: number,
) {
  const w = await DuckDbWarehouse.open({ path: join(dir, 'edp.duckdb') });
  const acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [claims] });
  const t = performance.now();
  const totals = { rowsIn: 0, loaded: 0, quarantined: 0 };
  const queue = [...intervals];
  const worker = async (): Promise<void> => {
    for (let interval = queue.shift(); interval; interval = queue.shift()) {
      const file = relative(landing, landingFilePath(landing, claims, interval));
      const r = await acts.loadLandingFile({ entity: 'claims', file, interval, runId: 'bench' });
      totals.rowsIn += r.rowsIn;
      totals.loaded += r.rowsLoaded;
      totals.quarantined += r.rowsQuarantined;
    }
  };
  await Promise.all(Array.from({ length: maxParallel }, worker));
  const seconds = (performance.now() - t) / 1000;
  await w.close();
  return { ...totals, seconds, maxParallel };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
