import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../activities/ingest';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { entitySchema } from '../../lib/config/schema';
import { tmpDir } from '../helpers/tmp';

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };
const STAMP = '20260101T0400';
const claims = entitySchema.parse({
  name: 'claims',
  pattern: 'claims_{interval}_*',
  header: false, // positional: /etc/passwd's lines would load as rows
  columns: { claim_id: 'string', amount: 'string' },
});
const GOOD_CSV = 'C1,1.00\nC2,2.00\nC3,3.00\n';
const SECRET = 'TOP-SECRET-LANDING';

/**
 * Whoever can write into the landing zone (an upstream system, a careless copier) must not make the
 * worker read any other file it can open: a link named like a landing file is refused unread, with a
 * reason, and the rest of the interval loads.
 */
describe('links in the landing zone are refused without reading their target', () => {
  let dir: string;
  let landing: string;
  let w: DuckDbWarehouse;
  let acts: ReturnType<typeof createIngestActivities>;
  const env = new MockActivityEnvironment();
  const load = (file: string, runId = 'r1') =>
    env.run<[LoadFileInput], FileLoadResult, typeof acts.loadLandingFile>(acts.loadLandingFile, {
      entity: 'claims',
      file,
      interval,
      runId,
    });
  /** Everything the warehouse holds from the landing zone, as text. */
  const everything = async () =>
    JSON.stringify(
      [...(await w.query('SELECT * FROM raw.claims')), ...(await w.query('SELECT * FROM raw.claims__errors'))],
      (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
    );

  beforeEach(async () => {
    dir = tmpDir('edp-security-landing-');
    landing = join(dir, 'landing');
    mkdirSync(join(landing, 'claims'), { recursive: true });
    w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [claims] });
  });
  afterEach(() => w?.close());

  it('refuses a link to /etc/passwd: nothing of it reaches the raw or errors table', async () => {
    symlinkSync('/etc/passwd', join(landing, 'claims', `claims_${STAMP}_passwd.csv`));
    const [f] = (await acts.checkLandingFiles({ interval })).files;
    expect(f).toEqual({ entity: 'claims', file: `claims/claims_${STAMP}_passwd.csv` });
    const r = await load(f.file);
    expect(r).toMatchObject({ rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0, alreadyLoaded: false });
    expect(r.quarantinedFile).toMatch(/^a symbolic link \(to \/etc\/passwd\): links in the landing folder are refused/);
    expect(await everything()).not.toContain('root');
    expect(await w.query('SELECT status, reason FROM audit.ingest_manifest')).toEqual([
      { status: 'quarantined', reason: r.quarantinedFile },
    ]);
    expect(await load(f.file, 'r2')).toMatchObject({ alreadyLoaded: true, quarantinedFile: r.quarantinedFile });
  });

  it('refuses a link to a file outside, a link inside and a dangling link, loading the real file', async () => {
    const secret = join(dir, 'secret.csv');
    writeFileSync(secret, `${SECRET},1.00\n`);
    writeFileSync(join(landing, 'claims', `claims_${STAMP}_a.csv`), GOOD_CSV);
    symlinkSync(secret, join(landing, 'claims', `claims_${STAMP}_b.csv`));
    symlinkSync(`claims_${STAMP}_a.csv`, join(landing, 'claims', `claims_${STAMP}_c.csv`));
    symlinkSync(join(dir, 'nowhere.csv'), join(landing, 'claims', `claims_${STAMP}_d.csv`));
    const check = await acts.checkLandingFiles({ interval });
    const [a, ...links] = await Promise.all(check.files.map((f) => load(f.file)));
    expect(a).toMatchObject({ file: `claims/claims_${STAMP}_a.csv`, rowsIn: 3, rowsLoaded: 3 });
    expect(links.map((l) => [l.file, l.rowsIn, /^a symbolic link/.test(l.quarantinedFile ?? '')])).toEqual([
      [`claims/claims_${STAMP}_b.csv`, 0, true],
      [`claims/claims_${STAMP}_c.csv`, 0, true],
      [`claims/claims_${STAMP}_d.csv`, 0, true],
    ]);
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM raw.claims')).toEqual([{ n: 3 }]);
    expect(await everything()).not.toContain(SECRET);
  });

  it('refuses a file reached through an entity folder that links outside the landing folder', async () => {
    const outside = join(dir, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(join(outside, `claims_${STAMP}_x.csv`), `${SECRET},1.00\n`);
    mkdirSync(join(landing, 'other'));
    symlinkSync(outside, join(landing, 'other', 'claims'));
    acts = createIngestActivities({ warehouse: w, landingDir: join(landing, 'other'), entities: [claims] });
    const r = await load(`claims/claims_${STAMP}_x.csv`);
    expect(r.quarantinedFile).toMatch(/^resolves outside the landing folder \(to .*elsewhere/);
    expect(await everything()).not.toContain(SECRET);
  });
});
