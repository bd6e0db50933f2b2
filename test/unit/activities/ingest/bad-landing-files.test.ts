import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../../../activities/ingest';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import { entitySchema } from '../../../../lib/config/schema';
import { tmpDir } from '../../../helpers/tmp';

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };
const STAMP = '20260101T0400';
const claims = entitySchema.parse({
  name: 'claims',
  pattern: 'claims_{interval}_*',
  format: 'csv',
  columns: { claim_id: 'string', amount: 'decimal' },
});
const events = entitySchema.parse({
  name: 'events',
  pattern: 'events_{interval}_*',
  format: 'json',
  columns: { event_id: 'string', kind: 'string' },
});
const GOOD_CSV = 'claim_id,amount\nC1,1.00\nC2,2.00\nC3,3.00\n';

/**
 * File-level refusals: what cannot be loaded as a whole is quarantined with its reason and never fails
 * the load (so never the interval). Links are refused too: test/security/landing-links.test.ts.
 */
describe('bad landing files (real DuckDB file, mock activity context)', () => {
  let dir: string;
  let landing: string;
  let w: DuckDbWarehouse;
  const env = new MockActivityEnvironment();
  const open = async (duplicateFiles?: 'skip' | 'load') => {
    w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    return createIngestActivities({
      warehouse: w,
      landingDir: landing,
      entities: [claims, events],
      ...(duplicateFiles ? { duplicateFiles } : {}),
    });
  };
  const land = (file: string, content: string | Buffer): string => {
    mkdirSync(join(landing, file, '..'), { recursive: true });
    writeFileSync(join(landing, file), content);
    return file;
  };
  const load = (acts: Awaited<ReturnType<typeof open>>, entityName: string, file: string, runId = 'r1') =>
    env.run<[LoadFileInput], FileLoadResult, typeof acts.loadLandingFile>(acts.loadLandingFile, {
      entity: entityName,
      file,
      interval,
      runId,
    });
  const manifest = () =>
    w.query<{ file: string; status: string; reason: string | null; rows_in: string }>(
      'SELECT file, status, reason, rows_in FROM audit.ingest_manifest ORDER BY file',
    );

  beforeEach(() => {
    dir = tmpDir();
    landing = join(dir, 'landing');
    mkdirSync(landing);
  });
  afterEach(() => w?.close());

  it('quarantines a corrupt gzip file and a plain CSV named .gz, once, and loads the good gzip file', async () => {
    const good = land(`claims/claims_${STAMP}_good.csv.gz`, gzipSync(GOOD_CSV));
    const truncated = land(`claims/claims_${STAMP}_cut.csv.gz`, gzipSync(GOOD_CSV.repeat(50)).subarray(0, 40));
    const plain = land(`claims/claims_${STAMP}_plain.csv.gz`, 'claim_id,amount\nP1,1.00\n');
    const acts = await open();
    expect(await load(acts, 'claims', good)).toMatchObject({ rowsIn: 3, rowsLoaded: 3, rowsQuarantined: 0 });
    for (const file of [truncated, plain]) {
      const r = await load(acts, 'claims', file);
      expect(r).toMatchObject({ rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0, alreadyLoaded: false });
      expect(r.quarantinedFile).toMatch(/not a readable gzip file/);
      expect(await load(acts, 'claims', file, 'r2')).toMatchObject({ alreadyLoaded: true });
    }
    expect((await manifest()).map((m) => [m.file, m.status])).toEqual([
      [truncated, 'quarantined'],
      [good, 'loaded'],
      [plain, 'quarantined'],
    ]);
  });

  it('quarantines a corrupt gzip JSON file', async () => {
    const file = land(`events/events_${STAMP}_a.json.gz`, Buffer.from('[{"event_id": "E1"}]'));
    const acts = await open();
    const r = await load(acts, 'events', file);
    expect(r.quarantinedFile).toMatch(/not a readable gzip file/);
  });

  it('quarantines a JSON file holding an object instead of an array, never 0 rows "loaded"', async () => {
    const object = land(`events/events_${STAMP}_object.json`, '{"event_id": "E1", "kind": "click"}');
    const empty = land(`events/events_${STAMP}_empty.json`, '  \n');
    const array = land(
      `events/events_${STAMP}_array.json.gz`,
      gzipSync('\ufeff [{"event_id": "E2", "kind": "view"}, {"event_id": "E3", "kind": "view"}]'),
    );
    const acts = await open();
    const r = await load(acts, 'events', object);
    expect(r).toMatchObject({ rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0 });
    expect(r.quarantinedFile).toMatch(/a JSON object, not an array of objects/);
    expect((await load(acts, 'events', empty)).quarantinedFile).toMatch(/empty, not a JSON array/);
    expect(await load(acts, 'events', array)).toMatchObject({ rowsIn: 2, rowsLoaded: 2 });
    expect(await manifest()).toEqual([
      expect.objectContaining({ file: array, status: 'loaded' }),
      expect.objectContaining({ file: empty, status: 'quarantined' }),
      expect.objectContaining({ file: object, status: 'quarantined', reason: r.quarantinedFile }),
    ]);
  });

  it('skips the same content delivered again under a second name, with a warning, by default', async () => {
    const first = land(`claims/claims_${STAMP}_a.csv`, GOOD_CSV);
    const second = land(`claims/claims_${STAMP}_a-copy.csv`, GOOD_CSV);
    const acts = await open();
    const loads = await Promise.all([first, second].map((f) => load(acts, 'claims', f)));
    const dup = loads.find((l) => l.duplicateOf)!;
    expect(dup).toMatchObject({ rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0, duplicateSkipped: true });
    expect([first, second]).toContain(dup.duplicateOf);
    expect(dup.file).not.toBe(dup.duplicateOf);
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM raw.claims')).toEqual([{ n: 3 }]);
    expect((await manifest()).find((m) => m.file === dup.file)).toMatchObject({
      status: 'duplicate',
      reason: `same content as ${dup.duplicateOf}`,
    });
    expect(await load(acts, 'claims', dup.file, 'r2')).toMatchObject({
      alreadyLoaded: true,
      duplicateOf: dup.duplicateOf,
    });
  });

  it('loads a duplicate again when landing.duplicateFiles is load, still reporting it', async () => {
    const first = land(`claims/claims_${STAMP}_a.csv`, GOOD_CSV);
    const second = land(`claims/claims_${STAMP}_b.csv`, GOOD_CSV);
    const acts = await open('load');
    expect(await load(acts, 'claims', first)).toMatchObject({ rowsLoaded: 3 });
    const again = await load(acts, 'claims', second);
    expect(again).toMatchObject({ rowsIn: 3, rowsLoaded: 3, duplicateOf: first, duplicateSkipped: false });
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM raw.claims')).toEqual([{ n: 6 }]);
  });

  it('does not take the same snapshot in another interval for a duplicate', async () => {
    const earlier = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T04:00:00.000Z' };
    land(`claims/claims_20260101T0000_a.csv`, GOOD_CSV);
    const today = land(`claims/claims_${STAMP}_a.csv`, GOOD_CSV);
    const acts = await open();
    await acts.loadLandingFile({
      entity: 'claims',
      file: 'claims/claims_20260101T0000_a.csv',
      interval: earlier,
      runId: 'r0',
    });
    const r = await load(acts, 'claims', today);
    expect(r).toMatchObject({ rowsLoaded: 3 });
    expect(r.duplicateOf).toBeUndefined();
  });

  it('lists the files that match no entity pattern, for any interval', async () => {
    land(`claims/claims_${STAMP}_a.csv`, GOOD_CSV);
    land('claims/claims_20251231T2000_a.csv', GOOD_CSV); // another interval's: expected, not unmatched
    land('claims/claims-final.csv', GOOD_CSV);
    land('stray.csv', GOOD_CSV);
    land('unknown/x.csv', GOOD_CSV);
    land('claims/.claims_partial.csv', GOOD_CSV); // a copier's hidden in-progress file
    const acts = await open();
    const check = await acts.checkLandingFiles({ interval });
    expect(check.files).toEqual([{ entity: 'claims', file: `claims/claims_${STAMP}_a.csv` }]);
    expect(check.unmatched).toEqual({ files: ['claims/claims-final.csv', 'stray.csv', 'unknown/'], total: 3 });
    expect(readFileSync(join(landing, 'stray.csv'), 'utf8')).toBe(GOOD_CSV); // reported, left alone
  });
});
