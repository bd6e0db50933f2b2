/**
 * Benchmark: the Node side of the Snowflake loader. Before PUT + COPY INTO, a landing file is parsed
 * once in Node into the canonical CSV Snowflake loads (stage-file.ts); that pass runs on the worker
 * for every file, so it must keep up with a local reader. Compared in the same run with the physical
 * limit of this machine: DuckDB reading the same file straight into a typed table.
 * (Snowflake's own COPY runs on its warehouse and is not measured here.)
 *
 * Run by hand: npx tsx bench/snowflake-stage.ts [--rows 1000000] [--repeat 3]
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDbWarehouse, type BulkLoadRequest } from '../activities/warehouse';
import { stageFile } from '../activities/warehouse/snowflake/snowflake-stage-file';
import { sampleFiles } from '../cli/sample-data';
import { loadConfig } from '../workers/config';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '3' } },
});
const rows = Number(values.rows);
const repeat = Number(values.repeat);
const dir = join(__dirname, '..', '.edp', 'bench', 'snowflake-stage');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { config } = loadConfig({ file: join(__dirname, '..', 'edp.config.yaml'), env: {} });
  const claims = config.landing.entities.find((e) => e.name === 'claims')!;
  const file = join(dir, 'claims.csv');
  const interval = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T04:00:00.000Z' };
  const csv = sampleFiles(interval, {
    seed: 7,
    members: 50_000,
    providers: 2_000,
    claimsPerInterval: rows,
    dirt: 0,
  }).find((f) => f.entity === 'claims')!.content;
  writeFileSync(file, csv);
  console.log(`${fmt(rows)} claim rows, ${(statSync(file).size / 1e6).toFixed(1)} MB of CSV`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  );
  const request: BulkLoadRequest = {
    file,
    format: 'csv',
    delimiter: claims.delimiter,
    header: claims.header,
    quote: claims.quote,
    encoding: claims.encoding,
    columns: claims.columns,
    required: claims.required,
    target: { schema: 'raw', table: 'claims' },
    errors: { schema: 'raw', table: 'claims__errors' },
    audit: {},
    sourceName: 'claims.csv',
  };
  const ratios: number[] = [];
  for (let run = 1; run <= repeat; run++) {
    rmSync(join(dir, 'limit.duckdb'), { force: true });
    const db = await DuckDbWarehouse.open({ path: join(dir, 'limit.duckdb') });
    const cols = Object.entries(claims.columns)
      .map(([name, type]) => `'${name}': '${db.dialect.columnType(type)}'`)
      .join(', ');
    let t = performance.now();
    await db.execute(
      `CREATE TABLE claims AS SELECT * FROM read_csv('${file}', header = true, columns = {${cols}}, ignore_errors = true)`,
    );
    const limit = (performance.now() - t) / 1000;
    await db.close();
    t = performance.now();
    const staged = await stageFile(request, join(dir, 'staged.csv'), 'bench-load-key');
    const ours = (performance.now() - t) / 1000;
    ratios.push(limit / ours);
    console.log(`round ${run}/${repeat}`);
    console.log(`  DuckDB read_csv → typed table (limit): ${limit.toFixed(2)} s = ${fmt(rows / limit)} rows/s`);
    console.log(
      `  stageFile (parse, check field counts, canonical CSV): ${fmt(staged.rows)} rows + ${staged.rejects.length} rejects in ${ours.toFixed(2)} s = ${fmt(staged.rows / ours)} rows/s`,
    );
    console.log(`  ratio to the limit (rows/s): ${(limit / ours).toFixed(2)}`);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`median ratio over ${repeat} rounds: ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
