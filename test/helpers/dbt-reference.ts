import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { testServices } from '../setup/test-services';

/** Runs dbt-core (dbt-duckdb) on `projectDir` against the DuckDB file `dbFile`; returns its summary line. */
export function runDbtCore(projectDir: string, dbFile: string, work: string, args: string[]): string {
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, 'profiles.yml'),
    [
      'edp:',
      '  target: dev',
      '  outputs:',
      '    dev:',
      '      type: duckdb',
      `      path: ${dbFile}`,
      '      schema: main',
      '      threads: 4',
    ].join('\n'),
  );
  const r = spawnSync(
    testServices().dbt,
    [
      ...args,
      '--project-dir',
      projectDir,
      '--profiles-dir',
      work,
      '--target-path',
      join(work, 'target'),
      '--log-path',
      join(work, 'logs'),
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_USE_COLORS: 'false', NO_COLOR: '1' },
      timeout: 300_000,
    },
  );
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`dbt ${args.join(' ')} failed (${r.status}):\n${out.slice(-4000)}`);
  return /PASS=\d+ WARN=\d+ ERROR=\d+ SKIP=\d+(?: NO-OP=\d+)? TOTAL=\d+/.exec(out)?.[0] ?? out.slice(-500);
}

/** A table or view that differs between the two warehouses, and how. */
export interface TableDifference {
  table: string;
  problem: string;
}

/**
 * Compares every table and view in `schemas` of our warehouse with dbt's, row for row (EXCEPT ALL both
 * ways), leaving out `volatile` columns (clock times). Returns what differs and how many relations matched.
 */
export async function compareWarehouses(
  ours: string,
  reference: string,
  schemas: readonly string[],
  volatile: readonly string[] = [],
): Promise<{ compared: string[]; differences: TableDifference[] }> {
  const w = await DuckDbWarehouse.open({ path: ours });
  const ref = basename(reference).replace(/\.duckdb$/, '');
  try {
    await w.execute(`attach '${reference}' as "${ref}" (read_only)`);
    const list = (catalog: string) =>
      w.query<{ s: string; t: string }>(
        `select table_schema as s, table_name as t from information_schema.tables where table_catalog = ? and table_schema in (${schemas.map(() => '?').join(', ')}) order by 1, 2`,
        [catalog, ...schemas],
      );
    const [mine] = await w.query<{ c: string }>('select current_database() as c');
    const theirs = (await list(ref)).map((r) => `${r.s}.${r.t}`);
    const ourTables = (await list(mine.c)).map((r) => `${r.s}.${r.t}`);
    const differences: TableDifference[] = [];
    for (const t of theirs.filter((x) => !ourTables.includes(x)))
      differences.push({ table: t, problem: 'missing in ours' });
    for (const t of ourTables.filter((x) => !theirs.includes(x)))
      differences.push({ table: t, problem: 'not built by dbt' });
    const compared: string[] = [];
    for (const table of theirs.filter((x) => ourTables.includes(x))) {
      const [schema, name] = table.split('.');
      const cols = async (catalog: string) =>
        (
          await w.query<{ c: string }>(
            'select column_name as c from information_schema.columns where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position',
            [catalog, schema, name],
          )
        ).map((r) => r.c);
      const a = await cols(mine.c);
      const b = await cols(ref);
      if (a.join(',') !== b.join(',')) {
        differences.push({ table, problem: `columns differ: ours [${a.join(', ')}], dbt [${b.join(', ')}]` });
        continue;
      }
      const list = a
        .filter((c) => !volatile.includes(c))
        .map((c) => `"${c}"`)
        .join(', ');
      const diff = async (x: string, y: string) => {
        const [row] = await w.query<{ n: unknown }>(
          `select count(*) as n from (select ${list} from ${x}."${schema}"."${name}" except all select ${list} from ${y}."${schema}"."${name}")`,
        );
        return Number(row.n);
      };
      const onlyOurs = await diff(`"${mine.c}"`, `"${ref}"`);
      const onlyTheirs = await diff(`"${ref}"`, `"${mine.c}"`);
      if (onlyOurs || onlyTheirs)
        differences.push({ table, problem: `${onlyOurs} rows only in ours, ${onlyTheirs} only in dbt's` });
      compared.push(table);
    }
    return { compared, differences };
  } finally {
    await w.close();
  }
}

/** The feature fixture (test/fixtures/dbt/features), copied to `dir` so a test can change its seeds. */
export function copyFeatureProject(dir: string): string {
  cpSync(join(__dirname, '..', 'fixtures', 'dbt', 'features'), dir, { recursive: true });
  return dir;
}

/** The feature project's second load: an updated member (a new snapshot version), a status change, a new claim. */
export function changeFeatureSeeds(project: string): void {
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(join(project, 'seeds', file), change(readFileSync(join(project, 'seeds', file), 'utf8')));
  edit('members.csv', (t) =>
    t.replace(
      'M2,Bo Chen,silver,2024-03-01,true,2026-01-01 08:00:00',
      'M2,Bo Chen-Wu,gold,2024-03-01,true,2026-01-02 09:30:00',
    ),
  );
  edit(
    'claims.csv',
    (t) => `${t.replace('0002,M1,80.00,0,open', '0002,M1,80.00,80.00,paid')}0006,M2,42.00,40.00,paid,2026-01-06\n`,
  );
}
