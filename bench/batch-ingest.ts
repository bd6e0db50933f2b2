/**
 * Benchmark: 1,000,000 claim rows of CSV into raw.claims through the platform's loader (typed,
 * quarantining, manifest in the same transaction), against the physical limit measured in the same
 * run: DuckDB reading the same files straight into a typed table.
 *
 * Run by hand: npx tsx bench/batch-ingest.ts [--rows 1000000] [--files 10] [--dirt 0]
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
import { intervalsBetween } from '../lib/intervals';
import { sampleFiles } from '../cli/sample-data';
import { landingFilePath } from '../activities/ingest';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    files: { type: 'string', default: '10' },
    dirt: { type: 'string', default: '0' },
  },
});
const rows = Number(values.rows);
const fileCount = Number(values.files);
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

  // The physical limit: DuckDB's own reader, same files, same types, into a table.
  const limitDb = await DuckDbWarehouse.open({ path: join(dir, 'limit.duckdb') });
  const cols = Object.entries(claims.columns)
    .map(([name, type]) => `'${name}': '${limitDb.dialect.columnType(type)}'`)
    .join(', ');
  let t = performance.now();
  await limitDb.execute(
    `CREATE TABLE claims AS SELECT * FROM read_csv([${files.map((f) => `'${f}'`).join(', ')}], header = true, columns = {${cols}}, ignore_errors = true)`,
  );
  const limitSeconds = (performance.now() - t) / 1000;
  const [limitRows] = await limitDb.query<{ n: string }>('SELECT count(*) AS n FROM claims');
  await limitDb.close();

  // The platform's loader: one loadLandingFile activity per file, as many at once as batchIngest runs.
  const w = await DuckDbWarehouse.open({ path: join(dir, 'edp.duckdb') });
  const acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [claims] });
  const maxParallel = config.pipeline.ingest.maxParallel;
  t = performance.now();
  let rowsIn = 0;
  let loaded = 0;
  let quarantined = 0;
  const queue = [...intervals];
  const worker = async (): Promise<void> => {
    for (let interval = queue.shift(); interval; interval = queue.shift()) {
      const file = relative(landing, landingFilePath(landing, claims, interval));
      const r = await acts.loadLandingFile({ entity: 'claims', file, interval, runId: 'bench' });
      rowsIn += r.rowsIn;
      loaded += r.rowsLoaded;
      quarantined += r.rowsQuarantined;
    }
  };
  await Promise.all(Array.from({ length: maxParallel }, worker));
  const ourSeconds = (performance.now() - t) / 1000;
  await w.close();

  console.log(
    `machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  );
  console.log(
    `DuckDB read_csv → typed table (limit): ${fmt(Number(limitRows.n))} rows in ${limitSeconds.toFixed(2)} s = ${fmt(Number(limitRows.n) / limitSeconds)} rows/s`,
  );
  console.log(
    `edp loadLandingFile × ${maxParallel} at once (typed, quarantine, manifest, exactly-once): ${fmt(rowsIn)} rows in = ${fmt(loaded)} loaded + ${fmt(quarantined)} quarantined, ${ourSeconds.toFixed(2)} s = ${fmt(rowsIn / ourSeconds)} rows/s`,
  );
  const ratio = rowsIn / ourSeconds / (Number(limitRows.n) / limitSeconds);
  console.log(`ratio to the limit (rows/s): ${ratio.toFixed(2)} (target ≥ 0.70)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
