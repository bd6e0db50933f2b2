import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../../../activities/ingest';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import type { EntityConfig } from '../../../../lib/config/schema';
import { testRuntimeLogger } from '../../../helpers/sdk-logger';
import { tmpDir } from '../../../helpers/tmp';

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };
const FILE = 'claims/claims_20260101T0400.csv';
const claims: EntityConfig = {
  name: 'claims',
  pattern: 'claims_{interval}.csv',
  format: 'csv',
  delimiter: ',',
  header: true,
  quote: '"',
  encoding: 'utf-8',
  columns: { claim_id: 'string', amount: 'decimal' },
  required: ['claim_id'],
  keepRawText: false,
};

describe('ingest activities (real DuckDB file, mock activity context)', () => {
  let landing: string;
  let w: DuckDbWarehouse;
  let acts: ReturnType<typeof createIngestActivities>;
  const env = new MockActivityEnvironment(undefined, { logger: testRuntimeLogger() });
  const land = (csv: string): void => {
    mkdirSync(join(landing, 'claims'), { recursive: true });
    writeFileSync(join(landing, 'claims', 'claims_20260101T0400.csv'), csv);
  };

  beforeEach(async () => {
    const dir = tmpDir();
    landing = join(dir, 'landing');
    w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [claims] });
  });
  afterEach(() => w.close());

  it('reports which entities have landed', async () => {
    // What the sensor waits for: each entity's file name for the interval, in the landing folder.
    const expected = { patterns: { claims: FILE }, landingDir: landing };
    expect(await acts.checkLandingFiles({ interval })).toEqual({
      present: [],
      missing: ['claims'],
      files: [],
      ...expected,
    });
    land('claim_id,amount\nC1,1.00\n');
    expect(await acts.checkLandingFiles({ interval })).toEqual({
      present: ['claims'],
      missing: [],
      files: [{ entity: 'claims', file: FILE }],
      ...expected,
    });
  });

  it('loads a file exactly once across retries, and a changed file as a new version', async () => {
    land('claim_id,amount\nC1,1.00\nC2,oops\n');
    const first = await env.run<[LoadFileInput], FileLoadResult, typeof acts.loadLandingFile>(acts.loadLandingFile, {
      entity: 'claims',
      file: FILE,
      interval,
      runId: 'r1',
    });
    expect(first).toMatchObject({
      rowsIn: 2,
      rowsLoaded: 1,
      rowsQuarantined: 1,
      alreadyLoaded: false,
      file: 'claims/claims_20260101T0400.csv',
    });
    const again = await env.run(acts.loadLandingFile, { entity: 'claims', file: FILE, interval, runId: 'r2' });
    expect(again).toMatchObject({
      rowsIn: 2,
      rowsLoaded: 1,
      rowsQuarantined: 1,
      alreadyLoaded: true,
      checksum: first.checksum,
    });
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM raw.claims')).toEqual([{ n: 1 }]);

    land('claim_id,amount\nC1,1.00\nC2,2.00\nC3,3.00\n');
    const changed = await env.run(acts.loadLandingFile, { entity: 'claims', file: FILE, interval, runId: 'r3' });
    expect(changed).toMatchObject({ rowsIn: 3, rowsLoaded: 3, alreadyLoaded: false });
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM audit.ingest_manifest')).toEqual([{ n: 2 }]);
  });

  it('quarantines a line with an unbalanced quote on its own, so it cannot swallow the lines after it', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `C${i},${i}.00`);
    rows.splice(10, 0, 'C-bad,1.00,"unterminated');
    land(`claim_id,amount\n${rows.join('\n')}\n`);
    const r = await acts.loadLandingFile({ entity: 'claims', file: FILE, interval, runId: 'r1' });
    expect(r).toMatchObject({ rowsIn: 51, rowsLoaded: 50, rowsQuarantined: 1 });
    expect(await w.query('SELECT source_line, rule, raw_value FROM raw.claims__errors')).toEqual([
      { source_line: '12', rule: 'parse', raw_value: 'C-bad,1.00,"unterminated' },
    ]);
  });

  it('quarantines a file that cannot be parsed at all, once, with its reason', async () => {
    mkdirSync(join(landing, 'claims'), { recursive: true });
    writeFileSync(
      join(landing, 'claims', 'claims_20260101T0400.csv'),
      Buffer.from(Array.from({ length: 4000 }, (_, i) => ((i * 7919) % 256 === 34 ? 0 : (i * 7919) % 256))), // binary, no quote characters
    );
    const r = await acts.loadLandingFile({ entity: 'claims', file: FILE, interval, runId: 'r1' });
    expect(r).toMatchObject({
      rowsIn: 0,
      rowsLoaded: 0,
      alreadyLoaded: false,
      quarantinedFile: expect.stringMatching(/^Invalid Input Error: /),
    });
    const again = await acts.loadLandingFile({ entity: 'claims', file: FILE, interval, runId: 'r2' });
    expect(again).toMatchObject({ alreadyLoaded: true, quarantinedFile: r.quarantinedFile });
    expect(await w.query('SELECT status, reason IS NOT NULL AS has_reason FROM audit.ingest_manifest')).toEqual([
      { status: 'quarantined', has_reason: true },
    ]);
  });

  it('refuses a file outside the entity and interval, so no input reaches outside the landing folder', async () => {
    for (const file of [
      'claims/../../etc/passwd',
      'members/claims_20260101T0400.csv',
      'claims/claims_20260101T0800.csv',
    ]) {
      await expect(acts.loadLandingFile({ entity: 'claims', file, interval, runId: 'r1' })).rejects.toMatchObject({
        nonRetryable: true,
        message: `${file} is not a claims file of this interval (pattern claims_{interval}.csv)`,
      });
    }
  });

  it('fails without retry for a file that does not exist, naming it', async () => {
    await expect(
      env.run(acts.loadLandingFile, { entity: 'claims', file: FILE, interval, runId: 'r1' }),
    ).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringContaining('claims_20260101T0400.csv does not exist'),
    });
  });

  it('fails without retry for an unknown entity, listing the configured ones', async () => {
    await expect(
      acts.loadLandingFile({ entity: 'nope', file: 'nope/x.csv', interval, runId: 'r1' }),
    ).rejects.toMatchObject({
      nonRetryable: true,
      message: 'unknown entity "nope" (configured: claims)',
    });
  });
});
