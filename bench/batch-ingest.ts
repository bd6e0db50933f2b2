/**
 * Benchmark: 1,000,000 claim rows of CSV into raw.claims through the platform's loader (typed,
 * quarantining, manifest in the same transaction), against the physical limit measured in the same
 * run: DuckDB reading the same files straight into a typed table.
 *
 * Run by hand: npx tsx bench/batch-ingest.ts [--rows 1000000] [--files 10] [--dirt 0] [--repeat 3]
 *
 * Clean data by default: with dirt, DuckDB's reader (ignore_errors) lets a line with an unbalanced quote
 * swallow the lines after it, so the "limit" would read fewer rows than the loader accounts for. The
 * ratio compares rows per second either way.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { createIngestActivities } from '../activities/ingest';
import { DuckDbWarehouse } from '../activities/warehouse';
import { loadConfig } from '../workers/config';
import { intervalsBetween, type DataInterval } from '../lib/intervals';
import type { EntityConfig } from '../lib/config/schema';
import { sampleFiles } from '../cli/sample-data';
import { landingFilePath } from '../activities/ingest';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    files: { type: 'string', default: '10' },
    dirt: { type: 'string', default: '0' },
    repeat: { type: 'string', default: '3' },
  },
});
const rows = Number(values.rows);
const fileCount = Number(values.files);
const repeat = Number(values.repeat);
const dir = join(__dirname, '..', '.edp', 'bench', 'batch-ingest');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { config } = loadConfig({ file: join(__dirname, '..', 'edp.config.yaml'), env: {} });
  const claims = config.landing.entities.find((e) => e.name === 'claims')!;
  const landing = join(dir, 'landing');
  const intervals = intervalsBetween(new Date('2026-01-01T00:00Z'), new Date('2027-01-01T00:00Z'), 4).slice(
    0,
    fileCount,
  );

  process.stdout.write(`generating ${fmt(rows)} claim rows in ${fileCount} CSV files… `);
  const files: string[] = [];
  let bytes = 0;
  for (const interval of intervals) {
    const csv = sampleFiles(interval, {
      seed: 7,
      members: 50_000,
      providers: 2_000,
      claimsPerInterval: Math.ceil(rows / fileCount),
      dirt: Number(values.dirt),
    }).find((f) => f.entity === 'claims')!.content;
    const path = landingFilePath(landing, claims, interval);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, csv);
    files.push(path);
    bytes += statSync(path).size;
  }
  console.log(`${(bytes / 1e6).toFixed(1)} MB`);

  console.log(
    `machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  );
  const ratios: number[] = [];
  for (let run = 1; run <= repeat; run++) {
    // Fresh database files each round, so every round measures a first load.
    for (const f of ['limit.duckdb', 'limit.duckdb.wal', 'edp.duckdb', 'edp.duckdb.wal'])
      rmSync(join(dir, f), { force: true });
    const limit = await measureLimit(files, claims);
    const ours = await measureLoader(landing, claims, intervals, config.pipeline.ingest.maxParallel);
    const ratio = ours.rowsIn / ours.seconds / (limit.rows / limit.seconds);
    ratios.push(ratio);
    console.log(`round ${run}/${repeat}`);
    console.log(
      `  DuckDB read_csv → typed table (limit): ${fmt(limit.rows)} rows in ${limit.seconds.toFixed(2)} s = ${fmt(limit.rows / limit.seconds)} rows/s`,
    );
    console.log(
      `  edp loadLandingFile × ${ours.maxParallel} at once (typed, quarantine, manifest, exactly-once): ${fmt(ours.rowsIn)} rows in = ${fmt(ours.loaded)} loaded + ${fmt(ours.quarantined)} quarantined, ${ours.seconds.toFixed(2)} s = ${fmt(ours.rowsIn / ours.seconds)} rows/s`,
    );
    console.log(`  ratio to the limit (rows/s): ${ratio.toFixed(2)}`);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `median ratio over ${repeat} rounds: ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} (min ${sorted[0].toFixed(2)}, max ${sorted[sorted.length - 1].toFixed(2)}; target ≥ 0.70)`,
  );
}

/** The physical limit: DuckDB's own reader, same files, same types, into a table, in one statement. */
async function measureLimit(files: string[], claims: EntityConfig): Promise<{ rows: number; seconds: number }> {
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
async function measureLoader(landing: string, claims: EntityConfig, intervals: DataInterval[], maxParallel: number) {
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
