import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { queryReadOnly } from '../../activities/warehouse/duckdb/duckdb-read-only-query';
import { leaseFile, startQueryServer, type WorkerLease } from '../../workers/query-server';
import { rawRequest } from '../helpers/http-raw';
import { tmpDir } from '../helpers/tmp';
import { testConfig } from '../helpers/platform';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';

const SECRET_TEXT = 'TOP-SECRET-FILE-CONTENT';

describe('the worker query endpoint refuses what an attacker sends', () => {
  const dir = tmpDir('edp-security-query-');
  const file = join(dir, 'warehouse.duckdb');
  const secretFile = join(dir, 'keys.csv');
  let warehouse: DuckDbWarehouse;
  let server: Server;
  let lease: WorkerLease;

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    rawRequest(`http://127.0.0.1:${lease.port}/query`, {
      headers: {
        authorization: `Bearer ${lease.secret}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const count = async () =>
    (await warehouse.query<{ n: string }>('SELECT count(*)::VARCHAR AS n FROM raw.claims'))[0].n;

  beforeAll(async () => {
    writeFileSync(secretFile, `key,value\npayload,${SECRET_TEXT}\n`);
    warehouse = await DuckDbWarehouse.open({ path: file });
    await warehouse.execute("CREATE SCHEMA raw; CREATE TABLE raw.claims AS SELECT 'C1' AS claim_id, 10 AS paid");
    server = await startQueryServer(warehouse, { file, queryPort: 0, queryReadOnly });
    lease = JSON.parse(readFileSync(leaseFile(file), 'utf8')) as WorkerLease;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await warehouse.close();
  });

  it('keeps the lease, with its secret, readable by the owner only', () => {
    expect(statSync(leaseFile(file)).mode & 0o777).toBe(0o600);
    expect(lease.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers edp query: a SELECT with the secret, as JSON', async () => {
    const res = await post({ sql: 'WITH c AS (SELECT * FROM raw.claims) SELECT claim_id FROM c' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ rows: [{ claim_id: 'C1' }] });
    const tables = await post({ sql: "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'" });
    expect(JSON.parse(tables.body)).toEqual({ rows: [{ table_name: 'claims' }] });
  });

  it('refuses a cross-site POST (Origin of another site, text/plain body: no preflight)', async () => {
    const sql = 'CREATE TABLE raw.pwned AS SELECT 1 AS x';
    const attempts: Array<Record<string, string>> = [
      { origin: 'http://evil.example', 'content-type': 'text/plain' },
      { origin: 'http://evil.example', 'content-type': 'text/plain', authorization: '' },
    ];
    for (const headers of attempts) {
      const res = await post({ sql, write: true }, headers);
      expect(res.status).toBe(403);
      expect(res.body).toContain('Origin http://evil.example refused');
    }
    expect(await warehouse.describeTable({ schema: 'raw', table: 'pwned' })).toBeUndefined();
  });

  it('refuses a foreign Host (DNS rebinding) even with the secret', async () => {
    const res = await post({ sql: 'SELECT 1' }, { host: `evil.example:${lease.port}` });
    expect(res.status).toBe(403);
    expect(res.body).toContain(`call http://127.0.0.1:${lease.port}`);
  });

  it('refuses a request without the secret or with a wrong one', async () => {
    for (const authorization of ['', 'Bearer wrong', `Bearer ${lease.secret}x`, lease.secret]) {
      const res = await post({ sql: 'SELECT * FROM raw.claims' }, { authorization });
      expect(res.status).toBe(401);
      expect(res.body).toContain('edp query');
      expect(res.body).not.toContain('C1');
    }
  });

  it('refuses a body that is not JSON, even with the secret', async () => {
    const res = await post(JSON.stringify({ sql: 'SELECT 1' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('reads no file: read_text, read_csv, a file as a table, query() and SUMMARIZE of a path all fail', async () => {
    for (const sql of [
      "SELECT * FROM read_text('/etc/passwd')",
      `SELECT * FROM read_text('${secretFile}')`,
      `SELECT * FROM read_csv('${secretFile}')`,
      `SELECT (SELECT max(value) FROM read_csv_auto('${secretFile}')) AS v`,
      `SELECT * FROM '${secretFile}'`,
      `SUMMARIZE '${secretFile}'`,
      `SELECT * FROM query('SELECT * FROM read_text(''${secretFile}'')')`,
      `SELECT * FROM glob('${dir}/*')`,
    ]) {
      const res = await post({ sql });
      expect([sql, res.status]).toEqual([sql, 400]);
      expect(res.body).not.toContain(SECRET_TEXT);
      expect(res.body).not.toContain('root:');
    }
  });

  it('reads no file through a CTE named like the path, in or out of its scope (found in review)', async () => {
    for (const sql of [
      `WITH "${secretFile}" AS (SELECT * FROM "${secretFile}") SELECT * FROM "${secretFile}"`,
      `SELECT * FROM '${secretFile}' WHERE EXISTS (WITH "${secretFile}" AS (SELECT 1) SELECT 1)`,
      `SELECT (WITH "${secretFile}" AS (SELECT 1) SELECT 1) AS z, * FROM '${secretFile}'`,
      `WITH x AS (SELECT 1), "${dir}/*.csv" AS (FROM '${dir}/*.csv') FROM "${dir}/*.csv"`,
    ]) {
      const res = await post({ sql });
      expect([sql, res.status]).toEqual([sql, 400]);
      expect(res.body).not.toContain(SECRET_TEXT);
    }
    const cte = await post({ sql: 'WITH c AS (SELECT count(*) AS n FROM raw.claims) SELECT n FROM c' });
    expect(cte.status).toBe(200);
  });

  it('downloads no extension for a function a query names', async () => {
    const res = await post({ sql: "SELECT stem('running', 'english') AS s" });
    // autoinstall_known_extensions is off: DuckDB looks for an installed copy only, never downloads one.
    expect(res.status).toBe(400);
    expect(res.body).toContain('Install it first');
  });

  it('writes no file: COPY … TO is refused', async () => {
    const target = join(dir, 'exfiltrated.csv');
    const res = await post({ sql: `COPY (SELECT * FROM raw.claims) TO '${target}'` });
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body) as { error: string }).error).toContain('--write');
    expect(existsSync(target)).toBe(false);
  });

  it('changes nothing without write: DML, DDL, ATTACH, INSTALL/LOAD, SET and nextval are refused', async () => {
    await warehouse.execute('CREATE SEQUENCE raw.s');
    for (const sql of [
      "INSERT INTO raw.claims VALUES ('C2', 20)",
      'DELETE FROM raw.claims',
      'CREATE TABLE raw.pwned (x INT)',
      'DROP TABLE raw.claims',
      `ATTACH '${join(dir, 'other.duckdb')}' AS other`,
      'INSTALL httpfs',
      'LOAD httpfs',
      'SET enable_external_access = true',
      'SELECT 1; DROP TABLE raw.claims',
    ]) {
      const res = await post({ sql });
      expect([sql, res.status]).toEqual([sql, 400]);
    }
    await post({ sql: "SELECT nextval('raw.s') AS n" });
    expect(await warehouse.query("SELECT nextval('raw.s') AS n")).toEqual([{ n: '1' }]);
    expect(await count()).toBe('1');
    expect(existsSync(join(dir, 'other.duckdb'))).toBe(false);
  });

  it('changes the warehouse when the request says write (edp query --write)', async () => {
    const res = await post({ sql: "INSERT INTO raw.claims VALUES ('C2', 20)", write: true });
    expect(res.status).toBe(200);
    expect(await count()).toBe('2');
  });

  it('says a missing table does not exist, as DuckDB would', async () => {
    const res = await post({ sql: 'SELECT * FROM raw.nothing_here' });
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body) as { error: string }).error).toMatch(/raw\.nothing_here does not exist/);
  });
});

describe('edp query through a running worker process', () => {
  const edp = (args: string[], configFile: string) =>
    promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'bin', 'edp.js'), 'query', ...args], {
      encoding: 'utf8',
      env: { ...process.env, EDP_CONFIG: configFile },
    });

  it('reads, writes only with --write, and answers nobody without the lease secret', async () => {
    const loaded = testConfig('security-query');
    const worker = await startWorkerProcess(loaded.file, join(loaded.config.stateDir, 'worker.log'));
    try {
      const lease = JSON.parse(readFileSync(leaseFile(loaded.config.warehouse.duckdb.path), 'utf8')) as WorkerLease;
      expect(lease.pid).toBe(worker.pid);
      expect(statSync(leaseFile(loaded.config.warehouse.duckdb.path)).mode & 0o777).toBe(0o600);

      const denied = await edp(['CREATE TABLE probe AS SELECT 42 AS answer'], loaded.file).catch(
        (err: { code: number; stderr: string }) => err,
      );
      expect(denied).toMatchObject({ code: 1 });
      expect((denied as { stderr: string }).stderr).toContain('edp query --write');

      await edp(['CREATE TABLE probe AS SELECT 42 AS answer', '--write'], loaded.file);
      const read = await edp(['SELECT answer FROM probe', '--json'], loaded.file);
      expect(JSON.parse(read.stdout)).toEqual([{ answer: 42 }]);

      const file = await edp(["SELECT * FROM read_text('/etc/passwd')"], loaded.file).catch(
        (err: { code: number; stderr: string }) => err,
      );
      expect(file).toMatchObject({ code: 1 });
      expect((file as { stderr: string }).stderr).not.toContain('root:');

      const anonymous = await rawRequest(`http://127.0.0.1:${lease.port}/query`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT answer FROM probe' }),
      });
      expect(anonymous.status).toBe(401);
    } finally {
      await stopGracefully(worker);
    }
  });
});
