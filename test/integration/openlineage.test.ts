import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { RunEvent } from '../../activities/lineage';
import { withWorker } from '../../cli/session';
import { streamWorkflowId } from '../../lib/ids';
import { loadConfig } from '../../workers/config';
import { streamingIngestInput } from '../../workers/workflow-inputs';
import { streamingIngest } from '../../workflows';
import { streamingIngestProgress } from '../../workflows/streaming-ingest';
import { landSample, runInterval, testClient, testConfig } from '../helpers/platform';
import { createTopic, testTopics, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';
import { testServices } from '../setup/test-services';

const REPO = join(__dirname, '..', '..');
const SPEC = join(REPO, 'test', 'fixtures', 'openlineage');
const broken = { start: '2026-08-04T00:00:00.000Z', end: '2026-08-04T04:00:00.000Z' };
const fixed = { start: '2026-08-04T04:00:00.000Z', end: '2026-08-04T08:00:00.000Z' };

/** Which vendored facet schema checks a facet, by where it sits and its key. */
const FACET_FILES: Record<string, Record<string, string>> = {
  run: { parent: 'ParentRunFacet', nominalTime: 'NominalTimeRunFacet', errorMessage: 'ErrorMessageRunFacet' },
  job: { jobType: 'JobTypeJobFacet' },
  dataset: { schema: 'SchemaDatasetFacet' },
  input: { dataQualityAssertions: 'DataQualityAssertionsDatasetFacet' },
  output: { outputStatistics: 'OutputStatisticsOutputDatasetFacet' },
};

/**
 * The OpenLineage specification as ajv checks it: the core schema (RunEvent) and the facet schemas, offline. The
 * facets refer to the core by its published URLs and `$defs`; the vendored core names them `definitions`, so it
 * is registered under each URL with both names (see test/fixtures/openlineage/README.md).
 */
function specValidators(): { event: ValidateFunction; facet: (file: string) => ValidateFunction } {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const core = JSON.parse(readFileSync(join(SPEC, 'OpenLineage.json'), 'utf8')) as Record<string, unknown>;
  for (const version of ['1-0-1', '1-0-2', '2-0-2']) {
    ajv.addSchema({ ...core, $id: `https://openlineage.io/spec/${version}/OpenLineage.json`, $defs: core.definitions });
  }
  const facets = new Map<string, ValidateFunction>();
  for (const f of readdirSync(join(SPEC, 'facets'))) {
    const schema = JSON.parse(readFileSync(join(SPEC, 'facets', f), 'utf8')) as object;
    facets.set(f.replace('.json', ''), ajv.compile(schema));
  }
  return { event: ajv.compile({ ...core, $id: 'urn:test:run-event' }), facet: (file) => facets.get(file)! };
}

/** Every spec violation of an event, its facets included; an unknown facet is one too. */
function violations(v: ReturnType<typeof specValidators>, e: RunEvent): string[] {
  const out: string[] = [];
  const check = (validate: ValidateFunction, value: unknown, where: string) => {
    if (!validate(value)) out.push(`${where}: ${JSON.stringify(validate.errors)}`);
  };
  check(v.event, e, 'event');
  const facets = (place: string, all: Record<string, unknown> | undefined, where: string) => {
    for (const [key, value] of Object.entries(all ?? {})) {
      const file = FACET_FILES[place][key];
      if (!file) out.push(`${where}: no schema for facet ${key}`);
      else check(v.facet(file), { [key]: value }, `${where}.${key}`);
    }
  };
  facets('run', e.run.facets, 'run');
  facets('job', e.job.facets, 'job');
  for (const d of [...e.inputs, ...e.outputs]) {
    facets('dataset', d.facets, d.name);
    facets('input', d.inputFacets, d.name);
    facets('output', d.outputFacets, d.name);
  }
  return out;
}

/**
 * OpenLineage events of real pipeline runs on the dev server, posted to a loopback receiver (as Marquez would get
 * them) and appended to a file: every event is valid against the specification, every run, step and dbt node has
 * one START and one COMPLETE (or FAIL), children point at their parents, and a broken model FAILs.
 */
describe('OpenLineage events (dev server, DuckDB, loopback receiver)', () => {
  let server: Server;
  const posted: RunEvent[] = [];
  /** When each posted event arrived (ms), by its index in `posted`. */
  const receivedAt: number[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        if (req.url === '/api/v1/lineage' && req.method === 'POST') {
          posted.push(JSON.parse(text) as RunEvent);
          receivedAt.push(Date.now());
        }
        res.writeHead(req.url === '/api/v1/lineage' ? 201 : 404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reports every run, step and node with valid events, and FAIL for a broken model', async () => {
    const base = testConfig('it-lineage');
    const project = join(tmpDir('edp-lineage-project-'), 'models');
    cpSync(join(REPO, 'models'), project, { recursive: true });
    const probe = join(project, 'marts', 'lineage_probe.sql');
    const doc = parse(readFileSync(base.file, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      base.file,
      stringify({
        ...doc,
        transform: { projectDir: project },
        lineage: {
          namespace: 'edp-test',
          http: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
          file: 'lineage/events.ndjson',
        },
      }),
    );
    const config = loadConfig({ file: base.file, env: {} }).config;
    const { client, close } = await testClient(config);
    const run = (interval: typeof broken) => runInterval(client, config, interval);
    try {
      writeFileSync(probe, `select no_such_column from {{ ref('dim_member') }}\n`);
      await landSample({ ...base, config }, broken, { members: 60, providers: 10, claimsPerInterval: 300 });
      expect(await run(broken)).toBe('failed');
      writeFileSync(probe, `select member_id from {{ ref('dim_member') }}\n`);
      await landSample({ ...base, config }, fixed, { members: 60, providers: 10, claimsPerInterval: 300 });
      expect(await run(fixed)).toBe('succeeded');
    } finally {
      await close();
    }

    // The file has what the endpoint got.
    const filed = readFileSync(join(config.stateDir, 'lineage', 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunEvent);
    const key = (e: RunEvent) => `${e.run.runId} ${e.eventType}`;
    expect(filed.map(key).sort()).toEqual(posted.map(key).sort());

    const spec = specValidators();
    expect(posted.flatMap((e) => violations(spec, e))).toEqual([]);

    // One START and one COMPLETE, FAIL or ABORT per run.
    const runs = new Map<string, RunEvent[]>();
    for (const e of posted) runs.set(e.run.runId, [...(runs.get(e.run.runId) ?? []), e]);
    for (const events of runs.values()) {
      expect(events.map((e) => e.eventType).sort()).toEqual([
        expect.stringMatching(/^(COMPLETE|FAIL|ABORT)$/),
        'START',
      ]);
    }
    const ended = [...runs.values()].map((events) => events.find((e) => e.eventType !== 'START')!);
    const pipelines = ended.filter((e) => e.job.name === config.pipeline.name);
    expect(pipelines.map((e) => [e.run.facets.nominalTime, e.eventType])).toEqual(
      expect.arrayContaining([
        [expect.objectContaining({ nominalStartTime: broken.start }), 'FAIL'],
        [expect.objectContaining({ nominalStartTime: fixed.start }), 'COMPLETE'],
      ]),
    );
    const [failedRun, goodRun] = [broken, fixed].map((i) =>
      pipelines.find((p) => (p.run.facets.nominalTime as { nominalStartTime: string }).nominalStartTime === i.start)!,
    );
    const childrenOf = (parent: RunEvent) =>
      ended.filter(
        (e) => (e.run.facets.parent as { run: { runId: string } } | undefined)?.run.runId === parent.run.runId,
      );
    const step = (parent: RunEvent, name: string) =>
      childrenOf(parent).find((e) => e.job.name === `${config.pipeline.name}.${name}`)!;

    // The broken interval: ingest completed, the transform failed on the broken model, nothing after it ran.
    expect(
      childrenOf(failedRun)
        .map((e) => `${e.job.name} ${e.eventType}`)
        .sort(),
    ).toEqual([`${config.pipeline.name}.ingest COMPLETE`, `${config.pipeline.name}.transform FAIL`]);
    const brokenNode = childrenOf(step(failedRun, 'transform')).find((e) => e.job.name.endsWith('.lineage_probe'))!;
    expect(brokenNode).toMatchObject({
      eventType: 'FAIL',
      run: { facets: { errorMessage: { message: expect.stringMatching(/^\w+$/), programmingLanguage: 'SQL' } } },
      inputs: [{ namespace: `duckdb://${config.warehouse.duckdb.path}`, name: 'marts.dim_member' }],
    });

    // The good interval: four steps, every dbt node and quality table under its step, datasets with their facets.
    expect(
      childrenOf(goodRun)
        .map((e) => `${e.job.name} ${e.eventType}`)
        .sort(),
    ).toEqual(['export', 'ingest', 'quality', 'transform'].map((s) => `${config.pipeline.name}.${s} COMPLETE`));
    const nodes = childrenOf(step(goodRun, 'transform'));
    expect(nodes.length).toBeGreaterThan(20);
    expect(nodes.filter((n) => n.eventType !== 'COMPLETE')).toEqual([]);
    // Live: each node's START arrives as it starts, in order: after the START of every node it reads from, before
    // the transform step's end; the staging model's START arrived before the mart reading it had even started.
    const indexOf = (runId: string, type: string) =>
      posted.findIndex((e) => e.run.runId === runId && e.eventType === type);
    const transformEnd = indexOf(step(goodRun, 'transform').run.runId, 'COMPLETE');
    const startOfTable = new Map(
      nodes.flatMap((n) => n.outputs.map((o): [string, number] => [o.name, indexOf(n.run.runId, 'START')])),
    );
    for (const n of nodes) {
      const start = indexOf(n.run.runId, 'START');
      expect(start).toBeLessThan(transformEnd);
      for (const i of n.inputs) expect(startOfTable.get(i.name) ?? -1).toBeLessThan(start);
    }
    const fct = nodes.find((n) => n.job.name.endsWith('.fct_claims'))!;
    const stg = nodes.find((n) => n.job.name.endsWith('.stg_claims'))!;
    const [fctStart, stgStart] = [fct, stg].map((n) => posted[indexOf(n.run.runId, 'START')]);
    expect(receivedAt[indexOf(stg.run.runId, 'START')]).toBeLessThan(Date.parse(fctStart.eventTime));
    expect(Date.parse(stgStart.eventTime)).toBeLessThan(Date.parse(fctStart.eventTime));
    expect(fct.outputs).toEqual([
      expect.objectContaining({
        name: 'marts.fct_claims',
        facets: {
          schema: expect.objectContaining({
            fields: expect.arrayContaining([expect.objectContaining({ name: 'claim_id' })]),
          }),
        },
        outputFacets: { outputStatistics: expect.objectContaining({ rowCount: expect.any(Number) }) },
      }),
    ]);
    expect(fct.inputs.map((d) => d.name)).toEqual(expect.arrayContaining(['staging.stg_claims']));
    const tests = nodes.filter(
      (n) => n.job.facets.jobType && (n.job.facets.jobType as { jobType: string }).jobType === 'TEST',
    );
    expect(tests.length).toBeGreaterThan(5);
    expect(tests[0].inputs[0].inputFacets).toMatchObject({
      dataQualityAssertions: { assertions: [expect.objectContaining({ success: expect.any(Boolean) })] },
    });
    const checks = childrenOf(step(goodRun, 'quality'));
    expect(checks.map((c) => c.inputs[0].name).sort()).toEqual(
      expect.arrayContaining(['marts.member_claims_summary', 'staging.stg_claims']),
    );
    expect(step(goodRun, 'export').outputs.map((d) => d.name)).toEqual(
      config.export.marts.map((m) => join(config.export.path, m.name)),
    );
    expect(step(goodRun, 'ingest').inputs.map((d) => d.namespace)).toEqual(
      expect.arrayContaining(['file', expect.stringMatching(/^postgres:\/\/127\.0\.0\.1:\d+$/)]),
    );
  }, 600_000);

  it('reports a stream consumer as one streaming run from its topic to its raw and staging tables, START to ABORT', async () => {
    const topic = testTopics('it-lineage-stream')[0];
    const { config } = testConfig('it-lineage-stream', {
      kafka: { brokers: [testServices().kafkaBroker], clientId: 'edp-test' },
      streaming: { topics: [topic], activitySeconds: 1, mergeEveryMs: 200 },
      lineage: { namespace: 'edp-test', http: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } },
    });
    const job = `stream.${topic.topic}`;
    const of = (type: string) => posted.filter((e) => e.job.name === job && e.eventType === type);
    await createTopic(config.kafka.brokers, topic.topic);
    const { client, close } = await testClient(config);
    try {
      await withWorker(
        config,
        async () => {
          // A new workflow run after every consumer activity: the stream stays one lineage run across them.
          const stream = await client.workflow.start(streamingIngest, {
            workflowId: streamWorkflowId(topic.table),
            taskQueue: config.temporal.taskQueues.workflows,
            args: [{ ...streamingIngestInput(config, topic.topic), runsPerWorkflow: 1 }],
          });
          await waitUntil('the stream START', () => Promise.resolve(of('START').length > 0));
          await waitUntil(
            'two continued runs',
            async () => (await stream.query(streamingIngestProgress)).activityRuns >= 2,
          );
          await stream.cancel();
          await stream.result().catch(() => undefined);
          await waitUntil('the stream ABORT', () => Promise.resolve(of('ABORT').length > 0));
        },
        () => {},
      );
    } finally {
      await close();
    }
    const spec = specValidators();
    const events = posted.filter((e) => e.job.name === job);
    expect(events.flatMap((e) => violations(spec, e))).toEqual([]);
    expect(events.map((e) => e.eventType)).toEqual(['START', 'ABORT']);
    expect(new Set(events.map((e) => e.run.runId)).size).toBe(1);
    for (const e of events) {
      expect(e.job.facets.jobType).toMatchObject({ processingType: 'STREAMING', integration: 'EDP' });
      expect(e.inputs.map((d) => [d.namespace, d.name])).toEqual([[`kafka://${config.kafka.brokers[0]}`, topic.topic]]);
      expect(e.outputs.map((d) => d.name)).toEqual([`raw.${topic.table}`, `staging.${topic.table}`]);
    }
  }, 300_000);
});
