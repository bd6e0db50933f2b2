import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DuckDbWarehouse, WarehouseLockedError, type BulkLoadRequest } from '../../../../activities/warehouse';
import { tmpDir } from '../../../helpers/tmp';

const CSV = `member_id,first_name,birth_date,premium
M1,Ann,1980-01-02,12.50
M2,Bob,notadate,10
,Carl,1990-03-04,3
M4,"Dee ""D"", Jr",1970-05-06,abc
M5,Eve,1999-09-09,1,extra
M6,Fay,2000-01-01,4.25
`;

describe('DuckDB warehouse on a real file', () => {
  let dir: string;
  let w: DuckDbWarehouse;
  beforeEach(async () => {
    dir = tmpDir();
    w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    await w.execute('CREATE SCHEMA raw');
  });
  afterEach(() => w.close());

  let loads = 0;
  const load = (
    file: string,
    format: 'csv' | 'ndjson' | 'json' = 'csv',
    encoding: 'utf-8' | 'latin-1' = 'utf-8',
    more: Partial<BulkLoadRequest> = {},
  ) =>
    w.bulkLoad({
      file,
      format,
      encoding,
      quote: '"',
      delimiter: ',',
      header: true,
      columns: { member_id: 'string', first_name: 'string', birth_date: 'date', premium: 'decimal' },
      required: ['member_id'],
      target: { schema: 'raw', table: 'members' },
      errors: { schema: 'raw', table: 'members__errors' },
      audit: { _edp_load_id: { value: ++loads, type: 'integer' }, _edp_run_id: { value: 'run-1', type: 'string' } },
      loadKey: '_edp_load_id',
      sourceName: 'members.csv',
      ...more,
    });

  describe.each([
    ['typed fast path', false],
    ['text path keeping the original values', true],
  ])('CSV, %s', (_name, keepRawText) => {
    it('bulk-loads typed rows and quarantines every bad row with its rule, column and raw value', async () => {
      const file = join(dir, 'members.csv');
      writeFileSync(file, CSV);
      const counts = await load(file, 'csv', 'utf-8', { keepRawText });
      expect(counts).toEqual({ rowsIn: 6, rowsLoaded: 2, rowsQuarantined: 4 });
      expect(counts.rowsIn).toBe(counts.rowsLoaded + counts.rowsQuarantined);
      const rows = await w.query(
        'SELECT member_id, birth_date, premium, _edp_run_id, _edp_row_number, _edp_raw FROM raw.members ORDER BY member_id',
      );
      expect(rows).toEqual([
        {
          member_id: 'M1',
          birth_date: '1980-01-02',
          premium: '12.50',
          _edp_run_id: 'run-1',
          _edp_row_number: '1',
          _edp_raw: keepRawText ? expect.stringContaining('"premium":"12.50"') : null,
        },
        {
          member_id: 'M6',
          birth_date: '2000-01-01',
          premium: '4.25',
          _edp_run_id: 'run-1',
          _edp_row_number: '6',
          _edp_raw: keepRawText ? expect.any(String) : null,
        },
      ]);
      const errors = await w.query(
        'SELECT source_file, column_name, rule, raw_value FROM raw.members__errors ORDER BY rule, column_name',
      );
      expect(errors).toEqual([
        { source_file: 'members.csv', column_name: null, rule: 'parse', raw_value: 'M5,Eve,1999-09-09,1,extra' },
        { source_file: 'members.csv', column_name: 'member_id', rule: 'required', raw_value: null },
        { source_file: 'members.csv', column_name: 'birth_date', rule: 'type', raw_value: 'notadate' },
        { source_file: 'members.csv', column_name: 'premium', rule: 'type', raw_value: 'abc' },
      ]);
    });
  });

  it.each([false, true])(
    'numbers CSV rows among the data rows, counting quarantined rows, skipping blank lines (keepRawText %s)',
    async (keepRawText) => {
      const file = join(dir, 'members.csv');
      // Line 4 is taken out by the caller (as an unbalanced quote would be); lines 3 and 7 are blank.
      writeFileSync(
        file,
        'member_id,first_name,birth_date,premium\nM1,A,1980-01-01,1\n\n\nM4,B,bad,1\nM5,C,1980-01-01,1\n\nM7,D,1980-01-01,x\n,E,1980-01-01,1\nM9,F,1980-01-01,1\n',
      );
      const counts = await load(file, 'csv', 'utf-8', {
        rejectedLines: [{ line: 4, text: 'M3,"oops,1980-01-01,1', reason: 'unbalanced quote' }],
        keepRawText,
      });
      expect(counts).toEqual({ rowsIn: 7, rowsLoaded: 3, rowsQuarantined: 4 });
      // Data rows: M1=1, (line 4)=2, M4=3, M5=4, M7=5, (missing id)=6, M9=7.
      expect(await w.query('SELECT member_id, _edp_row_number FROM raw.members ORDER BY 2')).toEqual([
        { member_id: 'M1', _edp_row_number: '1' },
        { member_id: 'M5', _edp_row_number: '4' },
        { member_id: 'M9', _edp_row_number: '7' },
      ]);
      expect(
        await w.query(
          'SELECT source_row, source_line, rule, column_name FROM raw.members__errors ORDER BY source_line, source_row',
        ),
      ).toEqual([
        { source_row: null, source_line: '4', rule: 'parse', column_name: null },
        // A date's cast failure is its row's on both paths (the fast path's reader casts it, the text path later),
        // as on Snowflake.
        { source_row: '3', source_line: null, rule: 'type', column_name: 'birth_date' },
        // A number is read as text on both paths and checked before its cast (never rounded): by row.
        { source_row: '5', source_line: null, rule: 'type', column_name: 'premium' },
        { source_row: '6', source_line: null, rule: 'required', column_name: 'member_id' },
      ]);
    },
  );

  it('loads NDJSON, quarantining a broken line with its number and text', async () => {
    const file = join(dir, 'members.ndjson');
    writeFileSync(
      file,
      [
        '{"member_id": "M1", "first_name": "Ann", "birth_date": "1980-01-02", "premium": "12.50"}',
        '{"member_id": "M2", "first_name": "Bob", "birth_date": "1981-02-03", "premium": 7.25, "extra": true}',
        '{"member_id": "M3", "first_name": "Cy"', // truncated: not JSON
        '[1, 2]', // JSON, but not an object
        '{"first_name": "Dee", "birth_date": "1970-05-06"}', // no member_id
        '',
      ].join('\n'),
    );
    expect(await load(file, 'ndjson')).toEqual({ rowsIn: 5, rowsLoaded: 2, rowsQuarantined: 3 });
    expect(await w.query('SELECT member_id, premium, _edp_row_number FROM raw.members ORDER BY 1')).toEqual([
      { member_id: 'M1', premium: '12.50', _edp_row_number: '1' },
      { member_id: 'M2', premium: '7.25', _edp_row_number: '2' },
    ]);
    expect(
      await w.query("SELECT source_line, rule, message FROM raw.members__errors WHERE rule = 'parse' ORDER BY 1"),
    ).toEqual([
      { source_line: '3', rule: 'parse', message: 'not a JSON object' },
      { source_line: '4', rule: 'parse', message: 'not a JSON object' },
    ]);
  });

  it('loads a JSON array of objects', async () => {
    const file = join(dir, 'members.json');
    writeFileSync(
      file,
      JSON.stringify([{ member_id: 'M1', premium: '1.00' }, { member_id: 'M2', birth_date: 'soon' }, 42]),
    );
    expect(await load(file, 'json')).toEqual({ rowsIn: 3, rowsLoaded: 1, rowsQuarantined: 2 });
  });

  it('reads gzipped CSV and NDJSON, and latin-1 CSV', async () => {
    const gz = join(dir, 'members.csv.gz');
    writeFileSync(gz, gzipSync('member_id,first_name,birth_date,premium\nM1,Ann,1980-01-02,1.00\n'));
    expect(await load(gz)).toEqual({ rowsIn: 1, rowsLoaded: 1, rowsQuarantined: 0 });
    const latin = join(dir, 'latin.csv');
    writeFileSync(
      latin,
      Buffer.from('member_id,first_name,birth_date,premium\nM2,Jos\xe9,1980-01-02,1.00\n', 'latin1'),
    );
    expect(await load(latin, 'csv', 'latin-1')).toEqual({ rowsIn: 1, rowsLoaded: 1, rowsQuarantined: 0 });
    expect(await w.query("SELECT first_name FROM raw.members WHERE member_id = 'M2'")).toEqual([
      { first_name: 'José' },
    ]);
    const ndgz = join(dir, 'members.ndjson.gz');
    writeFileSync(ndgz, gzipSync('{"member_id": "M3", "premium": "2.00"}\n'));
    expect(await load(ndgz, 'ndjson')).toEqual({ rowsIn: 1, rowsLoaded: 1, rowsQuarantined: 0 });
  });

  it('rolls a transaction back when its body throws', async () => {
    await w.execute('CREATE TABLE raw.t (x INTEGER)');
    await expect(
      w.transaction(async (tx) => {
        await tx.execute('INSERT INTO raw.t VALUES (1)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM raw.t')).toEqual([{ n: 0 }]);
    await w.transaction((tx) => tx.execute('INSERT INTO raw.t VALUES (?)', [2]));
    expect(await w.query('SELECT x FROM raw.t')).toEqual([{ x: 2 }]);
  });

  it('runs read-only transactions on warm connections that refuse writes, answer through a close and not after it', async () => {
    await w.execute('CREATE TABLE raw.t AS SELECT range AS x FROM range(1000000)');
    const readOnly = (sql: string) => w.readOnlyTransaction((tx) => tx.query(sql));
    await expect(readOnly('INSERT INTO raw.t VALUES (1)')).rejects.toThrow(/read-only/i);
    // Many at once: each on a connection of its own, each with its own answer.
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => readOnly(`SELECT ${n} AS n`)));
    expect(answers).toEqual([1, 2, 3, 4, 5, 6].map((n) => [{ n }]));
    const inFlight = readOnly('SELECT sum(x)::VARCHAR AS s FROM raw.t, range(5)');
    await w.close();
    expect(await inFlight).toEqual([{ s: '2499997500000' }]);
    await expect(readOnly('SELECT 1')).rejects.toThrow('the warehouse is closed');
    w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
  });

  it('introspects tables and columns', async () => {
    await w.execute('CREATE TABLE raw.t (id BIGINT NOT NULL, name VARCHAR)');
    expect(await w.listTables('raw')).toEqual([{ schema: 'raw', table: 't' }]);
    expect(await w.describeTable({ schema: 'raw', table: 't' })).toEqual([
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'name', type: 'VARCHAR', nullable: true },
    ]);
    expect(await w.describeTable({ schema: 'raw', table: 'nope' })).toBeUndefined();
  });

  it('quotes identifiers and refuses ones that could inject SQL', () => {
    expect(w.dialect.table({ schema: 'raw', table: 'claims' })).toBe('"raw"."claims"');
    expect(() => w.dialect.quoteIdent('claims"; DROP TABLE x; --')).toThrow(/not a valid SQL identifier/);
    expect(w.dialect.literal("O'Brien")).toBe("'O''Brien'");
  });

  it('reports a file held by another process as WarehouseLockedError', async () => {
    const { spawn } = await import('node:child_process');
    const path = join(dir, 'held.duckdb');
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(path)}).then(() => { console.log('held'); setInterval(() => {}, 1000); })`,
      ],
      { cwd: join(__dirname, '..', '..', '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      await expect(DuckDbWarehouse.open({ path })).rejects.toThrow(WarehouseLockedError);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
