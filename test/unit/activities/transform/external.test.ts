import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TARGET, parseProject } from '../../../../activities/transform';
import { errorOf, Runner, writeProject } from './helpers';

/** dbt-duckdb's external files: models written to files with a view over them, sources read from files. */
describe("materialized='external' and external sources (DuckDB)", () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('writes the model to <project>/<name>.parquet by default and makes its relation a view over the file', async () => {
    const dir = writeProject({
      'models/orders.sql': "{{ config(materialized='external') }}\nselect 1 as id, 'a' as code union all select 2, 'b'",
      'models/total.sql': "{{ config(materialized='table') }}\nselect sum(id) as n from {{ ref('orders') }}",
    });
    runner = await Runner.open(dir);
    const r = await runner.build();
    expect(r.orders).toMatchObject({ status: 'success', rows: 2 });
    expect(existsSync(join(dir, 'orders.parquet'))).toBe(true);
    expect(await runner.query(`select count(*)::int as n from read_parquet('${join(dir, 'orders.parquet')}')`)).toEqual(
      [{ n: 2 }],
    );
    expect(await runner.query("select table_type from information_schema.tables where table_name = 'orders'")).toEqual([
      { table_type: 'VIEW' },
    ]);
    expect(await runner.query('select n::int as n from main.total')).toEqual([{ n: 3 }]);
  });

  it('honours location (rendered), format and options: csv with a delimiter, json, a partitioned parquet folder', async () => {
    const dir = writeProject({
      'dbt_project.yml': 'name: p\nvars:\n  out: exports\n',
      'models/a.sql':
        "{{ config(materialized='external', location=\"{{ var('out') }}/a.csv\", options={'delimiter': '|'}) }}\nselect 1 as id, 'x' as t",
      'models/b.sql': "{{ config(materialized='external', format='json') }}\nselect 7 as id",
      'models/c.sql':
        "{{ config(materialized='external', location='parts', options={'partition_by': 'k'}) }}\nselect 1 as id, 'k1' as k union all select 2, 'k2'",
      'models/empty.sql': "{{ config(materialized='external') }}\nselect 1 as id where false",
    });
    runner = await Runner.open(dir);
    const r = await runner.build();
    expect(Object.values(r).map((x) => x.status)).toEqual(['success', 'success', 'success', 'success']);
    expect(readFileSync(join(dir, 'exports', 'a.csv'), 'utf8')).toBe('id|t\n1|x\n');
    expect(existsSync(join(dir, 'b.json'))).toBe(true);
    expect(existsSync(join(dir, 'parts', 'k=k1'))).toBe(true);
    expect(await runner.query('select id::int as id, t from main.a')).toEqual([{ id: 1, t: 'x' }]);
    expect(await runner.query('select id::int as id from main.b')).toEqual([{ id: 7 }]);
    expect(await runner.query('select id::int as id, k from main.c order by id')).toEqual([
      { id: 1, k: 'k1' },
      { id: 2, k: 'k2' },
    ]);
    expect(await runner.query('select count(*)::int as n from main.empty')).toEqual([{ n: 0 }]);
  });

  it('reads a source with external_location, {name} filled from the table, in models and in source tests', async () => {
    const dir = writeProject({
      'models/src.yml': [
        'sources:',
        '  - name: files',
        '    meta:',
        '      external_location: "data/{name}.csv"',
        '    tables:',
        '      - name: people',
        '        columns:',
        '          - name: id',
        '            tests: [unique, not_null]',
        '      - name: pets',
        '        config:',
        '          external_location: "read_csv(\'data/animals.csv\', header=true)"',
      ].join('\n'),
      'models/m.sql': "select p.id from {{ source('files', 'people') }} p",
      'data/people.csv': 'id,name\n1,x\n2,y\n2,z\n',
    });
    runner = await Runner.open(dir);
    const r = await runner.build();
    const tests = Object.values(r).filter((x) => x.type === 'test');
    // The file holds id 2 twice: the unique test reads the file, not a table.
    expect(tests.map((t) => [/unique/.test(t.name) ? 'unique' : 'not_null', t.status, t.rows]).sort()).toEqual([
      ['not_null', 'success', 0],
      ['unique', 'fail', 1],
    ]);
    expect(r.m.status).toBe('success');
    expect(await runner.query('select id::int as id from main.m order by id')).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 2 },
    ]);
    // A function call is read as written (dbt-duckdb passes it through, relative to where DuckDB runs).
    const src = parseProject(dir, { target: DEFAULT_TARGET }).sources['source.p.files.pets'];
    expect(src.externalLocation).toBe("read_csv('data/animals.csv', header=true)");
  });

  it('refuses at parse a format it does not write', () => {
    const dir = writeProject({ 'models/m.sql': "{{ config(materialized='external', format='xlsx') }}\nselect 1 as x" });
    expect(errorOf(() => parseProject(dir, { target: DEFAULT_TARGET }))).toMatch(
      /^models\/m\.sql:1: m: format 'xlsx' is not one materialized='external' writes \(parquet, csv, json\)$/,
    );
  });

  it('is refused at parse on Snowflake, naming file and line', () => {
    const dir = writeProject({ 'models/m.sql': "-- x\n{{ config(materialized='external') }}\nselect 1 as x" });
    expect(errorOf(() => parseProject(dir, { target: { ...DEFAULT_TARGET, type: 'snowflake' } }))).toMatch(
      /^models\/m\.sql:2: m: materialized='external' \(dbt-duckdb's external files\) is not supported by edp on snowflake, only on DuckDB/,
    );
  });
});
