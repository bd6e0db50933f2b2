import { MockActivityEnvironment } from '@temporalio/testing';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyError } from '../../activities/errors';
import { snowflakeDialect, type Warehouse } from '../../activities/warehouse';
import { loadConfig } from '../../workers/config';
import { openWarehouse } from '../../workers/warehouse-factory';
import { describeEngines, only } from '../helpers/engines';
import { tmpDir } from '../helpers/tmp';
import { TEST_SERVICES_DIR, testServices } from '../setup/test-services';

/**
 * The warehouse contract every engine keeps, run on each engine of the test list (test/helpers/engines.ts):
 * DuckDB (a real file), the local Snowflake-protocol server (fakesnow behind the JSON shim, over
 * snowflake-sdk), and real Snowflake when SNOWFLAKE_ACCOUNT etc. are set.
 */
/** Values as the platform reads them, whatever the engine's JS representation. */
const norm = (v: unknown): unknown =>
  v === null || v === undefined
    ? null
    : v instanceof Date || (typeof v === 'object' && typeof (v as Date).toISOString === 'function')
      ? (v as Date).toISOString().slice(0, 10)
      : typeof v === 'number' || typeof v === 'bigint'
        ? Number(v)
        : typeof v === 'boolean'
          ? v
          : /^-?\d+(\.\d+)?$/.test(JSON.stringify(v).replace(/"/g, ''))
            ? Number(v)
            : JSON.stringify(v).replace(/"/g, '').slice(0, 10);

describeEngines('warehouse contract: %s', (engine) => {
  let w: Warehouse;
  beforeAll(async () => {
    w = await engine.open('contract');
    await w.execute(`CREATE SCHEMA IF NOT EXISTS ${w.dialect.quoteIdent('raw')}`);
  });
  afterAll(() => w.close());
  const claims = () => w.dialect.table({ schema: 'raw', table: 'contract_claims' });

  it('creates, inserts with binds, and reads rows back with lower-case column names', async () => {
    const d = w.dialect;
    await w.execute(
      `CREATE OR REPLACE TABLE ${claims()} (${d.quoteIdent('claim_id')} ${d.columnType('string')}, ${d.quoteIdent('amount')} ${d.columnType('decimal')}, ${d.quoteIdent('service_date')} ${d.columnType('date')}, ${d.quoteIdent('paid')} ${d.columnType('boolean')})`,
    );
    expect(
      await w.execute(`INSERT INTO ${claims()} VALUES (?, ?, ?, ?), (?, ?, ?, ?)`, [
        'C1',
        12.5,
        '2026-01-02',
        true,
        'C2',
        null,
        null,
        false,
      ]),
    ).toBe(2);
    const rows = await w.query(`SELECT claim_id, amount, service_date, paid FROM ${claims()} ORDER BY claim_id`);
    expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])))).toEqual([
      { claim_id: 'C1', amount: 12.5, service_date: '2026-01-02', paid: true },
      { claim_id: 'C2', amount: null, service_date: null, paid: false },
    ]);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await expect(
      w.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${claims()} (claim_id) VALUES ('C3')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await w.transaction((tx) => tx.execute(`INSERT INTO ${claims()} (claim_id) VALUES ('C4')`));
    const ids = await w.query<{ claim_id: string }>(`SELECT claim_id FROM ${claims()} ORDER BY claim_id`);
    expect(ids.map((r) => r.claim_id)).toEqual(['C1', 'C2', 'C4']);
  });

  it('introspects tables and columns, and says when a table does not exist', async () => {
    expect(await w.listTables('raw')).toContainEqual({ schema: 'raw', table: 'contract_claims' });
    const cols = await w.describeTable({ schema: 'raw', table: 'contract_claims' });
    expect(cols?.map((c) => [c.name, w.dialect.typeFamily(c.type)])).toEqual([
      ['claim_id', 'string'],
      ['amount', 'decimal'],
      ['service_date', 'date'],
      ['paid', 'boolean'],
    ]);
    expect(await w.describeTable({ schema: 'raw', table: 'no_such_table' })).toBeUndefined();
  });

  it('stores an unquoted name in the engine’s case', async () => {
    await w.execute(`CREATE OR REPLACE TABLE ${w.dialect.quoteIdent('raw')}.case_probe (Mixed_Case INTEGER)`);
    const [stored] = await w.query<{ name: string }>(
      "SELECT column_name AS name FROM information_schema.columns WHERE lower(table_name) = 'case_probe'",
    );
    expect(stored.name).toBe(engine.expects.upperCaseIdentifiers ? 'MIXED_CASE' : 'Mixed_Case');
  });

  it('reports bad SQL as a non-retryable error with the engine’s message', async () => {
    const err = await w.query('SELEC 1').catch((e: unknown) => e);
    const failure = classifyError(err, 'contract');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/^contract: /);
  });
});

describeEngines(
  'snowflake adapter specifics: %s',
  (engine) => {
    it('tags every statement with the workflow run and activity that issued it (QUERY_TAG)', async () => {
      const w = await engine.open('contract');
      const marker = `edp-tag-${Date.now()}`;
      try {
        const env = new MockActivityEnvironment({
          activityType: 'loadLandingFile',
          workflowExecution: { workflowId: marker, runId: 'run-42' },
        });
        await env.run(() => w.query(`SELECT 1 AS tagged`));
      } finally {
        await w.close();
      }
      // The shim logs each statement's QUERY_TAG as the server received it.
      const log = readFileSync(join(TEST_SERVICES_DIR, 'fakesnow', 'fakesnow.log'), 'utf8');
      const line = log.split('\n').find((l) => l.includes(marker));
      expect(line).toBeDefined();
      const tag = JSON.parse(line!.replace(/^QUERY_TAG /, '').replace(/ SQL .*$/, '')) as Record<string, unknown>;
      expect(tag).toMatchObject({ app: 'edp', workflowId: marker, runId: 'run-42', activity: 'loadLandingFile' });
    });

    it('opens from config: warehouse.engine snowflake, the password from the environment or a secret file', async () => {
      const dir = tmpDir();
      const file = join(dir, 'edp.config.yaml');
      const snowflake = {
        account: 'fakesnow',
        user: 'fake',
        database: `edp_factory_${process.pid}`,
        schema: 'public',
        accessUrl: `http://127.0.0.1:${testServices().snowflakePort}`,
        passwordEnv: 'EDP_TEST_SF_PASSWORD',
        poolMax: 2,
      };
      writeFileSync(file, JSON.stringify({ warehouse: { engine: 'snowflake' } }));
      expect(() => loadConfig({ file, env: {} })).toThrow('engine snowflake needs warehouse.snowflake');
      writeFileSync(file, JSON.stringify({ warehouse: { engine: 'snowflake', snowflake } }));
      const { config } = loadConfig({ file, env: {} });
      await expect(openWarehouse(config, {})).rejects.toThrow(
        'Snowflake needs a secret: set EDP_TEST_SF_PASSWORD (warehouse.snowflake.passwordEnv)',
      );
      const w = await openWarehouse(config, { EDP_TEST_SF_PASSWORD: 'snow' });
      try {
        expect(w.dialect).toBe(snowflakeDialect);
        expect(await w.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
      } finally {
        await w.close();
      }
      const secret = join(tmpDir(), 'password');
      writeFileSync(secret, 'snow\n');
      writeFileSync(
        file,
        JSON.stringify({ warehouse: { engine: 'snowflake', snowflake: { ...snowflake, passwordFile: secret } } }),
      );
      const fromFile = await openWarehouse(loadConfig({ file, env: {} }).config, {});
      await fromFile.close();
    });

    it('uploads a file to an internal stage (PUT) and loads it with COPY INTO, over the Node driver', async () => {
      const w = await engine.open('put');
      try {
        const file = join(tmpDir(), 'claims.csv');
        writeFileSync(file, 'claim_id,note\nC1,plain\nC2,"quoted, with comma"\nC3,\n');
        await w.execute('CREATE OR REPLACE STAGE edp_landing');
        const [put] = await w.query<{ status: string }>(
          `PUT 'file://${file}' @edp_landing AUTO_COMPRESS = FALSE OVERWRITE = TRUE`,
        );
        expect(put.status).toBe('UPLOADED');
        await w.execute('CREATE OR REPLACE TABLE put_claims (claim_id VARCHAR, note VARCHAR)');
        await w.execute(
          `COPY INTO put_claims FROM @edp_landing/claims.csv FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '"')`,
        );
        expect(await w.query('SELECT claim_id, note FROM put_claims ORDER BY claim_id')).toEqual([
          { claim_id: 'C1', note: 'plain' },
          { claim_id: 'C2', note: 'quoted, with comma' },
          { claim_id: 'C3', note: null },
        ]);
      } finally {
        await w.close();
      }
    });
  },
  only('snowflake'),
);
