import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stepWorkflowId } from '../../lib/ids';
import type { DataInterval } from '../../lib/intervals';
import type { LoadedConfig } from '../../workers/config';
import { openWarehouse } from '../../workers/warehouse-factory';
import { runWorker } from '../../workers/worker';
import { pipelineInput, startOptions } from '../../workers/workflow-inputs';
import { batchIngest } from '../../workflows';
import type { BatchIngestInput, BatchIngestResult } from '../../workflows/batch-ingest';
import { describeEngines, type TestEngine } from '../helpers/engines';
import { testClient, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

/** An interval per engine that no other test runs: the ingest workflow id is per interval on the shared dev server. */
const INTERVALS: Record<TestEngine['name'], DataInterval> = {
  duckdb: { start: '2027-04-01T00:00:00.000Z', end: '2027-04-01T04:00:00.000Z' },
  snowflake: { start: '2027-04-02T00:00:00.000Z', end: '2027-04-02T04:00:00.000Z' },
  'snowflake-real': { start: '2027-04-03T00:00:00.000Z', end: '2027-04-03T04:00:00.000Z' },
};

const ENTITIES = [
  {
    name: 'claims',
    pattern: 'claims_{interval}_*',
    columns: { claim_id: 'string', amount: 'decimal' },
    required: ['claim_id'],
  },
  { name: 'events', pattern: 'events_{interval}_*', format: 'json', columns: { event_id: 'string', kind: 'string' } },
];

/** Never to be read: the target of a link from the landing zone. */
const SECRET = 'TOP-SECRET-7f3a';
/** Five rows, one of them with an amount that is not a number (quarantined with its reason). */
const GOOD_CSV = 'claim_id,amount\nC1,1.00\nC2,2.50\nC3,twelve\nC4,4.00\nC5,5.25\n';
const GOOD_GZ_CSV = 'claim_id,amount\nG1,10.00\nG2,20.00\nG3,30.00\n';

/** The corpus: what each landed file is, and what must become of it. */
interface Landed {
  name: string;
  expect: 'loaded' | 'quarantined' | 'duplicate';
  reason?: RegExp;
}

/** Lands the good and bad files of one interval; returns what each one is. */
function landCorpus(landing: string, stamp: string): Landed[] {
  const outside = tmpDir('edp-outside-');
  writeFileSync(join(outside, 'secret.csv'), `claim_id,amount\n${SECRET},1.00\n`);
  const claims = join(landing, 'claims');
  const events = join(landing, 'events');
  mkdirSync(claims, { recursive: true });
  mkdirSync(events, { recursive: true });
  mkdirSync(join(landing, 'misc'));
  const c = (suffix: string) => `claims_${stamp}_${suffix}`;
  writeFileSync(join(claims, c('good.csv')), GOOD_CSV);
  writeFileSync(join(claims, c('good.csv.gz')), gzipSync(GOOD_GZ_CSV));
  writeFileSync(join(claims, c('again.csv')), GOOD_CSV); // the same delivery under a second name
  writeFileSync(join(claims, c('cut.csv.gz')), gzipSync(GOOD_CSV.repeat(200)).subarray(0, 60));
  writeFileSync(join(claims, c('plain.csv.gz')), 'claim_id,amount\nP1,1.00\n');
  symlinkSync(join(outside, 'secret.csv'), join(claims, c('outside.csv')));
  symlinkSync('/etc/passwd', join(claims, c('passwd.csv')));
  symlinkSync(c('good.csv'), join(claims, c('inside.csv')));
  writeFileSync(
    join(events, `events_${stamp}_good.json`),
    '[{"event_id":"E1","kind":"click"},{"event_id":"E2","kind":"view"}]',
  );
  writeFileSync(join(events, `events_${stamp}_object.json`), '{"event_id":"E3","kind":"click"}');
  writeFileSync(join(claims, 'claims-final.csv'), GOOD_CSV); // matches no pattern
  writeFileSync(join(landing, 'stray.txt'), 'hello');
  return [
    { name: `claims/${c('again.csv')}`, expect: 'duplicate' },
    { name: `claims/${c('cut.csv.gz')}`, expect: 'quarantined', reason: /not a readable gzip file/ },
    { name: `claims/${c('good.csv')}`, expect: 'loaded' },
    { name: `claims/${c('good.csv.gz')}`, expect: 'loaded' },
    { name: `claims/${c('inside.csv')}`, expect: 'quarantined', reason: /symbolic link/ },
    { name: `claims/${c('outside.csv')}`, expect: 'quarantined', reason: /symbolic link/ },
    { name: `claims/${c('passwd.csv')}`, expect: 'quarantined', reason: /symbolic link \(to \/etc\/passwd\)/ },
    { name: `claims/${c('plain.csv.gz')}`, expect: 'quarantined', reason: /not a readable gzip file/ },
    { name: `events/events_${stamp}_good.json`, expect: 'loaded' },
    { name: `events/events_${stamp}_object.json`, expect: 'quarantined', reason: /a JSON object, not an array/ },
  ];
}

/**
 * A corpus of bad landing files, landed with good ones for one interval and run through the real
 * batchIngest workflow and worker on every engine of the test list: the interval completes, every file
 * is accounted for (rows in = loaded + quarantined), each quarantined file and row has its reason, the
 * good files load in full, nothing a link points at is read, and a re-run changes nothing.
 */
describeEngines('bad landing files through batchIngest on %s', (engine) => {
  const interval = INTERVALS[engine.name];
  const stamp = interval.start.replace(/[-:]/g, '').slice(0, 13);
  let loaded: LoadedConfig & { file: string };
  let corpus: Landed[];
  let stop!: () => void;
  let worker: Promise<void>;
  let first: BatchIngestResult;
  let again: BatchIngestResult;

  beforeAll(async () => {
    loaded = testConfig(`it-badfiles-${engine.name}`, {
      ...(await engine.configOverrides('badfiles')),
      landing: { entities: ENTITIES },
      sources: [],
    });
    corpus = landCorpus(loaded.config.landing.path, stamp);
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    worker = runWorker(loaded.config, { until: new Promise<void>((r) => (stop = r)), onReady: ready, log: () => {} });
    await Promise.race([isReady, worker]);
    const { client, close } = await testClient(loaded.config);
    try {
      const p = pipelineInput(loaded.config, interval);
      const input: BatchIngestInput = { interval, steps: p.steps, sensor: p.sensor, ...p.ingest };
      const run = () =>
        client.workflow.execute(
          batchIngest,
          startOptions(loaded.config, stepWorkflowId(loaded.config.pipeline.name, 'ingest', interval), input),
        );
      first = await run();
      again = await run();
    } finally {
      await close();
      stop();
      await worker;
    }
  }, 600_000);

  it('completes the interval, accounting for every file', () => {
    expect(first.missing).toEqual([]);
    expect(first.fileCount).toBe(corpus.length);
    expect(first.files.map((f) => f.file).sort()).toEqual(corpus.map((f) => f.name));
    for (const f of first.files) expect(f.rowsIn).toBe(f.rowsLoaded + f.rowsQuarantined);
    expect(first.rowsIn).toBe(first.rowsLoaded + first.rowsQuarantined);
  });

  it('quarantines each bad file whole with its reason, and loads the good files in full', () => {
    const byName = new Map(first.files.map((f) => [f.file, f]));
    const quarantined = new Map(first.quarantinedFiles.map((q) => [q.file, q.reason]));
    for (const f of corpus.filter((x) => x.expect === 'quarantined')) {
      expect(quarantined.get(f.name)).toMatch(f.reason!);
      expect(byName.get(f.name)).toMatchObject({ rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0 });
    }
    expect(quarantined.size).toBe(corpus.filter((x) => x.expect === 'quarantined').length);
    const good = (suffix: string) => byName.get(corpus.find((x) => x.name.endsWith(suffix))!.name);
    // The same content under two names loads once; either name may come first.
    const pair = [good('_good.csv'), good('_again.csv')];
    expect(pair.map((f) => f!.rowsIn).sort()).toEqual([0, 5]);
    expect(pair.find((f) => f!.rowsIn === 5)).toMatchObject({ rowsLoaded: 4, rowsQuarantined: 1 });
    expect(good('_good.csv.gz')).toMatchObject({ rowsIn: 3, rowsLoaded: 3, rowsQuarantined: 0 });
    expect(good('_good.json')).toMatchObject({ rowsIn: 2, rowsLoaded: 2, rowsQuarantined: 0 });
  });

  it('reports the duplicate and the files no pattern expects', () => {
    expect(first.duplicateFiles).toHaveLength(1);
    const [dup] = first.duplicateFiles;
    expect([dup.file, dup.duplicateOf].sort()).toEqual(
      corpus.filter((x) => /_(good|again)\.csv$/.test(x.name)).map((x) => x.name),
    );
    expect(dup.skipped).toBe(true);
    expect(first.unmatched).toEqual({ files: ['claims/claims-final.csv', 'misc/', 'stray.txt'], total: 3 });
  });

  it('re-running the interval loads nothing twice and fails on nothing', () => {
    expect(again.fileCount).toBe(corpus.length);
    expect(again.files.every((f) => f.alreadyLoaded)).toBe(true);
    expect(again.quarantinedFiles.map((q) => q.file).sort()).toEqual(first.quarantinedFiles.map((q) => q.file).sort());
    expect(again.duplicateFiles).toEqual(first.duplicateFiles);
  });

  it('holds in the warehouse what the run reported: a manifest row and a reason for every file and row', async () => {
    const w = await openWarehouse(loaded.config);
    try {
      const count = async (sql: string) => Number((await w.query<{ n: unknown }>(sql))[0].n);
      expect(await count('SELECT COUNT(*) AS n FROM raw.claims')).toBe(7);
      expect(await count('SELECT COUNT(*) AS n FROM raw.events')).toBe(2);
      // One error row per quarantined row, each with its rule and message.
      const errors = await w.query<{ source_file: string; rule: string; message: string }>(
        'SELECT source_file, rule, message FROM raw.claims__errors',
      );
      expect(errors).toHaveLength(first.rowsQuarantined);
      for (const e of errors) expect(e.message).toBeTruthy();
      const everything = JSON.stringify(
        [...(await w.query('SELECT * FROM raw.claims')), ...(await w.query('SELECT * FROM raw.claims__errors'))],
        (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
      );
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toContain('root:');
      const manifest = await w.query<{ file: string; status: string; reason: string | null }>(
        `SELECT file, status, reason FROM audit.ingest_manifest WHERE file LIKE '%${stamp}%' ORDER BY file`,
      );
      expect(manifest.map((m) => m.file)).toEqual(corpus.map((f) => f.name));
      for (const m of manifest) {
        const f = corpus.find((x) => x.name === m.file)!;
        if (f.expect === 'quarantined')
          expect(m).toMatchObject({ status: 'quarantined', reason: expect.stringMatching(f.reason!) });
        if (m.status === 'duplicate') expect(m.reason).toMatch(/^same content as claims\//);
      }
      expect(manifest.filter((m) => m.status === 'duplicate')).toHaveLength(1);
    } finally {
      await w.close();
    }
  });
});
