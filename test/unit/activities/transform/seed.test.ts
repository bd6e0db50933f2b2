import { inferSeedType, parseCsv } from '../../../../activities/transform/seed';
import { errorOf, Runner, writeProject } from './helpers';

describe('parseCsv', () => {
  it('reads quoted fields with commas and doubled quotes', () => {
    expect(parseCsv('a,b\n"x,y","say ""hi"""\n')).toEqual([
      ['a', 'b'],
      ['x,y', 'say "hi"'],
    ]);
  });

  it('reads CRLF and CR line ends, and a last line without one', () => {
    expect(parseCsv('a,b\r\n1,2\r\n3,4')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseCsv('a,b\r1,2\r')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps a newline inside quotes in the field', () => {
    expect(parseCsv('a,b\n"line1\r\nline2",2\n3,4\n')).toEqual([
      ['a', 'b'],
      ['line1\r\nline2', '2'],
      ['3', '4'],
    ]);
  });

  it('skips blank lines and a BOM, keeps empty fields, honours the delimiter', () => {
    expect(parseCsv('\uFEFFa;b\n\n1;\n', ';')).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
  });

  // Lines 1-3 hold a header and a record with a quoted newline; the quote opened on line 4 is never closed.
  it('names the file and the line where an unterminated quote opens (not the end of the file)', () => {
    expect(errorOf(() => parseCsv('a,b\n"multi\nline",2\n"oops,3\n4,5\n', ',', 'seeds/x.csv'))).toBe(
      'seeds/x.csv:4: a quoted field is never closed',
    );
  });
});

describe('inferSeedType', () => {
  it.each([
    [['1', '-2', ''], 'integer'],
    [['1', '2.5'], 'double'],
    [['1e3', '1.0', ' 7'], 'integer'], // agate: whole numbers, whatever their form
    [['2024-1-05'], 'date'],
    [['2024-01-05 10:00'], 'varchar'], // strptime %Y-%m-%d %H:%M:%S needs seconds
    [['2020-01-02', ''], 'date'],
    [['2020-01-02 10:00:00', '2020-01-02T10:00'], 'varchar'], // one format per column, as agate
    [['2020-01-02T10:00', '2020-01-02T10:00:05Z'], 'timestamp'],
    [['True', 'false'], 'boolean'],
    [['1', 'true'], 'varchar'],
    [['a', '1'], 'varchar'],
    [['', 'null'], 'integer'],
  ])('%j → %s', (values, type) => {
    expect(inferSeedType(values)).toBe(type);
  });
});

describe('seeds on DuckDB', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('loads a seed with inferred types, nulls from empty strings, and column_types overrides', async () => {
    runner = await Runner.open(
      writeProject({
        'seeds/people.csv':
          'id,score,born,seen_at,active,name,empty_col,code\n' +
          '1,1.5,2020-01-02,2020-01-02 10:00:00,true,"Smith, J",,007\n' +
          '2,2,2021-03-04,2021-03-04 11:30:00,FALSE,Ann,,010\n' +
          '3,,,,,"say ""hi""",,\n',
        'seeds/_seeds.yml': 'seeds:\n  - name: people\n    config:\n      column_types:\n        code: varchar\n',
      }),
    );
    const results = await runner.build();
    expect(results.people).toMatchObject({ status: 'success', rows: 3, table: 'main.people', type: 'seed' });
    const types = await runner.query<{ column_name: string; column_type: string }>(
      'select column_name, column_type from (describe main.people)',
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      id: 'INTEGER',
      score: 'DOUBLE',
      born: 'DATE',
      seen_at: 'TIMESTAMP',
      active: 'BOOLEAN',
      name: 'VARCHAR',
      empty_col: 'INTEGER',
      code: 'VARCHAR',
    });
    expect(
      await runner.query(
        'select id, score, born::varchar as born, active, name, empty_col, code from main.people order by id',
      ),
    ).toEqual([
      { id: 1, score: 1.5, born: '2020-01-02', active: true, name: 'Smith, J', empty_col: null, code: '007' },
      { id: 2, score: 2, born: '2021-03-04', active: false, name: 'Ann', empty_col: null, code: '010' },
      { id: 3, score: null, born: null, active: null, name: 'say "hi"', empty_col: null, code: null },
    ]);
  });

  it('replaces the table on a re-run, reads the delimiter config, and can be ref()d', async () => {
    runner = await Runner.open(
      writeProject({
        'dbt_project.yml': 'name: p\nseeds:\n  p:\n    +schema: ref_data\n    +delimiter: ";"\n',
        'seeds/codes.csv': 'code;label\nA;Alpha\nB;Beta\n',
        'models/m.sql': "{{ config(materialized='table') }} select count(*)::int as n from {{ ref('codes') }}",
      }),
    );
    await runner.build();
    const results = await runner.build();
    expect(results.codes).toMatchObject({ rows: 2, table: 'main_ref_data.codes' });
    expect(await runner.query('select n from main.m')).toEqual([{ n: 2 }]);
  });

  it('fails a seed row with the wrong number of fields, naming file and line', async () => {
    runner = await Runner.open(writeProject({ 'seeds/bad.csv': 'a,b\n1,2\n3\n' }));
    await expect(runner.build()).rejects.toMatchObject({
      message: 'seeds/bad.csv:3: 1 fields, the header has 2',
      nonRetryable: true,
    });
  });
});

describe('seeds through the CSV reader', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('reads what parseCsv reads: a BOM, CRLF, blank lines, quoted newlines and delimiters, one-column files', async () => {
    runner = await Runner.open(
      writeProject({
        'seeds/notes.csv': '\uFEFFid,note\r\n1,"two\r\nlines"\r\n\r\n2,"a, ""b"""\r\n3,\r\n',
        'seeds/ids.csv': 'id\n1\n\n2\n',
      }),
    );
    const results = await runner.build({ command: 'seed' });
    expect(results.notes).toMatchObject({ status: 'success', rows: 3 });
    expect(results.ids).toMatchObject({ status: 'success', rows: 2 });
    expect(await runner.query('select id, note from main.notes order by id')).toEqual([
      { id: 1, note: 'two\r\nlines' },
      { id: 2, note: 'a, "b"' },
      { id: 3, note: null },
    ]);
    expect(await runner.query('select id from main.ids order by id')).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
