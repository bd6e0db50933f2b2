import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  buildRunEvent,
  deliverLineage,
  lineageRunId,
  type EventContext,
  type RunEvent,
} from '../../../../activities/lineage';
import type { Manifest } from '../../../../activities/transform';
import { DuckDbWarehouse, type Warehouse } from '../../../../activities/warehouse';
import { tmpDir } from '../../../helpers/tmp';

const node = (id: string, extra: Partial<Manifest['nodes'][string]>) => ({
  id,
  resourceType: 'model' as const,
  name: id.split('.').pop()!,
  fqn: [],
  path: '',
  rawSql: '',
  config: {},
  dependsOn: [],
  checksum: '',
  ...extra,
});
const manifest = {
  nodes: {
    'model.edp.fct': node('model.edp.fct', {
      dependsOn: ['source.edp.raw.claims', 'model.edp.stg'],
      relation: { schema: 'marts', identifier: 'fct' },
    }),
    'model.edp.stg': node('model.edp.stg', { relation: { schema: 'staging', identifier: 'stg' } }),
    'test.edp.not_null_fct_id': node('test.edp.not_null_fct_id', {
      resourceType: 'test',
      dependsOn: ['model.edp.fct'],
      generic: { name: 'not_null', attachedTo: 'model.edp.fct', column: 'id', kwargs: {} },
    }),
  },
  sources: {
    'source.edp.raw.claims': {
      id: 'source.edp.raw.claims',
      sourceName: 'raw',
      name: 'claims',
      relation: { schema: 'raw', identifier: 'claims' },
      path: '',
    },
  },
} as unknown as Manifest;
const ref = { manifestFile: '/nowhere/manifest.json', checksum: 'abc' };
const parent = { job: 'platform.transform', runKey: 'edp-transform-platform-x@run1' };

describe('OpenLineage events', () => {
  let w: Warehouse;
  let ctx: EventContext;
  beforeEach(async () => {
    w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'w.duckdb') });
    await w.execute('CREATE SCHEMA marts');
    await w.execute('CREATE TABLE marts.fct (id INTEGER, amount DECIMAL(12,2))');
    ctx = {
      namespace: 'edp',
      places: {
        warehouse: { namespace: 'duckdb:///w.duckdb' },
        landingDir: '/landing',
        entities: [],
        sources: [],
        exportDir: '/exports',
      },
      warehouse: w,
      manifest: () => Promise.resolve(manifest),
    };
  });
  afterEach(() => w.close());

  it('run ids are stable UUIDs per run key', () => {
    expect(lineageRunId('a')).toBe(lineageRunId('a'));
    expect(lineageRunId('a')).not.toBe(lineageRunId('b'));
    expect(lineageRunId('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('a model: what it reads, the table it builds with its schema and row count, under its parent', async () => {
    const e = await buildRunEvent(ctx, {
      eventType: 'COMPLETE',
      eventTime: '2026-01-01T04:10:00.000Z',
      run: { job: 'platform.transform.model.edp.fct', runKey: `${parent.runKey}/model.edp.fct` },
      parent,
      io: { kind: 'dbt-node', manifest: ref, nodeId: 'model.edp.fct', rows: 42, passed: true },
    });
    expect(e.run.facets.parent).toMatchObject({
      run: { runId: lineageRunId(parent.runKey) },
      job: { namespace: 'edp', name: parent.job },
    });
    expect(e.job.facets.jobType).toMatchObject({ integration: 'DBT', jobType: 'MODEL', processingType: 'BATCH' });
    expect(e.inputs.map((d) => d.name)).toEqual(['raw.claims', 'staging.stg']);
    expect(e.outputs).toEqual([
      {
        namespace: 'duckdb:///w.duckdb',
        name: 'marts.fct',
        facets: {
          schema: expect.objectContaining({
            fields: [
              { name: 'id', type: 'INTEGER' },
              { name: 'amount', type: 'DECIMAL(12,2)' },
            ],
          }),
        },
        outputFacets: { outputStatistics: expect.objectContaining({ rowCount: 42 }) },
      },
    ]);
  });

  it('a failed test: an assertion on the tested column, and its error class, never a message', async () => {
    const e = await buildRunEvent(ctx, {
      eventType: 'FAIL',
      eventTime: '2026-01-01T04:11:00.000Z',
      run: { job: 'platform.transform.test.edp.not_null_fct_id', runKey: 'k' },
      parent,
      io: { kind: 'dbt-node', manifest: ref, nodeId: 'test.edp.not_null_fct_id', passed: false },
      errorClass: 'TestFailed',
    });
    expect(e.run.facets.errorMessage).toMatchObject({ message: 'TestFailed', programmingLanguage: 'SQL' });
    expect(e.inputs).toEqual([
      expect.objectContaining({
        name: 'marts.fct',
        inputFacets: {
          dataQualityAssertions: expect.objectContaining({
            assertions: [{ assertion: 'not_null', success: false, column: 'id' }],
          }),
        },
      }),
    ]);
  });
});

describe('OpenLineage delivery', () => {
  let server: Server;
  let url: string;
  const statuses: number[] = [];
  const got: RunEvent[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const status = statuses.shift() ?? 201;
        if (status < 300) got.push(JSON.parse(text) as RunEvent);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const event = { eventType: 'START', run: { runId: 'x' } } as unknown as RunEvent;
  const httpTo = (to: string, retries = 2) => ({ url: to, endpoint: '/api/v1/lineage', timeoutSeconds: 2, retries });

  it('retries a 5xx, gives up on a 4xx, and appends every event to the file', async () => {
    const file = join(tmpDir(), 'sub', 'events.ndjson');
    const http = httpTo(url);
    statuses.push(503, 503);
    expect(await deliverLineage({ namespace: 'edp', http, file }, [event])).toEqual({ dropped: 0, problems: [] });
    expect(got).toHaveLength(1);
    statuses.push(400);
    expect(await deliverLineage({ namespace: 'edp', http, file }, [event])).toEqual({
      dropped: 1,
      problems: ['http: answered 400'],
    });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('never throws when the endpoint is down, and says why without the URL', async () => {
    const down = httpTo('http://127.0.0.1:1/secret-token', 1);
    const r = await deliverLineage({ namespace: 'edp', http: down }, [event, event]);
    expect(r).toEqual({ dropped: 2, problems: [expect.stringMatching(/^http: unreachable \(\w+\)$/)] });
    expect(JSON.stringify(r)).not.toContain('secret-token');
  });
});
