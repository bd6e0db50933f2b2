import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../activities/ingest';
import type { Warehouse } from '../../activities/warehouse';
import { describeEngines, type TestEngine } from '../helpers/engines';
import { testEntity } from '../helpers/entities';
import { tmpDir } from '../helpers/tmp';

/**
 * Two workers load the same content at the same moment (a retry on worker B while worker A is still in
 * COPY, an overlapping backfill, the same file delivered under a second name): each worker has its own
 * activities (its own in-process turn-taking) and its own warehouse connections, so only the warehouse
 * can keep them apart. Exactly one load commits rows; the other reports the content as already loaded
 * or as a duplicate; raw holds no row twice (issue 21 item 9, issue 22). On DuckDB both "workers" share
 * the one process that holds the file (each transaction on its own connection), as the single-writer
 * lease makes them.
 */
const INTERVAL = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };

function concurrentSuite(engine: TestEngine): void {
  const dir = tmpDir();
  const rows = engine.expects.slow ? 300 : 5_000;
  let workerA: Warehouse;
  let workerB: Warehouse;
  beforeAll(async () => {
    workerA = await engine.open('concurrent');
    workerB = engine.expects.embedded ? workerA : await engine.open('concurrent');
  });
  afterAll(async () => {
    if (workerB !== workerA) await workerB?.close();
    await workerA?.close();
  });

  let n = 0;
  /** A fresh entity whose folder holds `names`, all with the same content; each worker's activities over it. */
  function landed(names: string[]) {
    const name = `claims_${++n}`;
    const landing = join(dir, name);
    mkdirSync(join(landing, name), { recursive: true });
    const body = `claim_id,amount\n${Array.from({ length: rows }, (_, i) => `C${i},${i}.25`).join('\n')}\n`;
    for (const file of names) writeFileSync(join(landing, name, `${name}_20260101T0400${file}.csv`), body);
    const entity = testEntity({
      name,
      pattern: `${name}_{interval}*.csv`,
      columns: { claim_id: 'string', amount: 'decimal' },
      required: ['claim_id'],
    });
    const worker = (w: Warehouse) => createIngestActivities({ warehouse: w, landingDir: landing, entities: [entity] });
    const load = (acts: ReturnType<typeof worker>, file: string, runId: string): Promise<FileLoadResult> =>
      new MockActivityEnvironment().run<[LoadFileInput], FileLoadResult, typeof acts.loadLandingFile>(
        acts.loadLandingFile,
        { entity: name, file: `${name}/${name}_20260101T0400${file}.csv`, interval: INTERVAL, runId },
      );
    return { name, a: worker(workerA), b: worker(workerB), load };
  }

  async function rawCounts(table: string): Promise<{ total: number; distinct: number }> {
    const [r] = await workerA.query<{ total: number | string; distinct_ids: number | string }>(
      `SELECT COUNT(*) AS total, COUNT(DISTINCT claim_id) AS distinct_ids FROM ${workerA.dialect.table({ schema: 'raw', table })}`,
    );
    return { total: Number(r.total), distinct: Number(r.distinct_ids) };
  }

  async function manifest(entity: string): Promise<Array<{ status: string; rows_loaded: number }>> {
    const found = await workerA.query<{ status: string; rows_loaded: number | string }>(
      `SELECT status, rows_loaded FROM audit.ingest_manifest WHERE entity = ? ORDER BY status`,
      [entity],
    );
    return found.map((r) => ({ status: r.status, rows_loaded: Number(r.rows_loaded) }));
  }

  it('loads one file started on two workers at once exactly once', async () => {
    const { name, a, b, load } = landed(['']);
    const results = await Promise.all([load(a, '', 'run-a'), load(b, '', 'run-b')]);
    expect(results.filter((r) => !r.alreadyLoaded)).toEqual([
      expect.objectContaining({ rowsIn: rows, rowsLoaded: rows, rowsQuarantined: 0 }),
    ]);
    expect(results.filter((r) => r.alreadyLoaded)).toEqual([
      expect.objectContaining({ rowsIn: rows, rowsLoaded: rows, alreadyLoaded: true }),
    ]);
    expect(await rawCounts(name)).toEqual({ total: rows, distinct: rows });
    expect(await manifest(name)).toEqual([{ status: 'loaded', rows_loaded: rows }]);
  });

  it('loads one of two names of the same content, delivered to two workers at once, and skips the other', async () => {
    const { name, a, b, load } = landed(['', ' (1)']);
    const results = await Promise.all([load(a, '', 'run-a'), load(b, ' (1)', 'run-b')]);
    const loaded = results.filter((r) => r.duplicateOf === undefined);
    const skipped = results.filter((r) => r.duplicateOf !== undefined);
    expect(loaded).toEqual([expect.objectContaining({ rowsLoaded: rows, alreadyLoaded: false })]);
    expect(skipped).toEqual([
      expect.objectContaining({ rowsLoaded: 0, duplicateOf: loaded[0].file, duplicateSkipped: true }),
    ]);
    expect(await rawCounts(name)).toEqual({ total: rows, distinct: rows });
    expect(await manifest(name)).toEqual([
      { status: 'duplicate', rows_loaded: 0 },
      { status: 'loaded', rows_loaded: rows },
    ]);
  });

  it('loads the same file racing on both workers round after round, never twice', async () => {
    for (let round = 0; round < 3; round++) {
      const { name, a, b, load } = landed(['', ' (1)']);
      const results = await Promise.all([
        load(a, '', 'run-a'),
        load(b, '', 'run-b'),
        load(a, ' (1)', 'run-c'),
        load(b, ' (1)', 'run-d'),
      ]);
      expect(results.filter((r) => !r.alreadyLoaded && r.duplicateOf === undefined)).toHaveLength(1);
      expect(await rawCounts(name)).toEqual({ total: rows, distinct: rows });
      expect((await manifest(name)).map((m) => m.status)).toEqual(['duplicate', 'loaded']);
    }
  });
}

describeEngines('concurrent loads of one content on %s', concurrentSuite);
