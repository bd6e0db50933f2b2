import type { FileLoadResult } from '../../../activities/ingest';
import { ingestSummaryLines } from '../../../cli/pipeline-run';
import type { BatchIngestResult } from '../../../workflows/batch-ingest';
import { summarizeLoads, type FileLoadSummary } from '../../../workflows/file-load-summary';

const load = (file: string, extra: Partial<FileLoadResult> = {}): FileLoadResult => ({
  entity: 'claims',
  file,
  checksum: file,
  rowsIn: 3,
  rowsLoaded: 2,
  rowsQuarantined: 1,
  alreadyLoaded: false,
  ...extra,
});
const NONE = { rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0 };

describe('the summary of an interval’s file loads', () => {
  const loads = [
    load('claims/a.csv'),
    load('claims/b.csv.gz', { ...NONE, quarantinedFile: 'not a readable gzip file (incorrect header check)' }),
    load('claims/c.csv', { ...NONE, duplicateOf: 'claims/a.csv', duplicateSkipped: true }),
    load('claims/d.csv', { duplicateOf: 'claims/a.csv', duplicateSkipped: false }),
  ];

  it('lists quarantined and duplicate files, from its own loads and its child batches', () => {
    const child = summarizeLoads([load('claims/e.csv', { duplicateOf: 'claims/f.csv', duplicateSkipped: true })], 'b1');
    const s = summarizeLoads(loads, undefined, [child]);
    expect(s).toMatchObject({ fileCount: 5, rowsIn: 9, rowsLoaded: 6, rowsQuarantined: 3, batches: ['b1'] });
    expect(s.quarantinedFiles).toEqual([
      { file: 'claims/b.csv.gz', reason: 'not a readable gzip file (incorrect header check)' },
    ]);
    expect(s.duplicateFiles).toEqual([
      { file: 'claims/c.csv', duplicateOf: 'claims/a.csv', skipped: true },
      { file: 'claims/d.csv', duplicateOf: 'claims/a.csv', skipped: false },
      { file: 'claims/e.csv', duplicateOf: 'claims/f.csv', skipped: true },
    ]);
  });

  it('takes a child batch recorded before duplicates were reported', () => {
    const old: Partial<FileLoadSummary> = summarizeLoads([load('claims/e.csv')], 'b1');
    delete old.duplicateFiles;
    expect(summarizeLoads([], undefined, [old as FileLoadSummary]).duplicateFiles).toEqual([]);
  });

  it('prints every quarantined, duplicate and unmatched file in the run summary', () => {
    const result: BatchIngestResult = {
      ...summarizeLoads(loads),
      missing: [],
      unmatched: { files: Array.from({ length: 12 }, (_, i) => `stray-${i}.csv`), total: 14 },
      extracts: [],
      sensorPokes: 1,
    };
    expect(ingestSummaryLines(result)).toEqual([
      '  ingest     4 files, 0 tables: 6 rows read = 4 loaded + 2 quarantined',
      '             QUARANTINED claims/b.csv.gz: not a readable gzip file (incorrect header check)',
      '             DUPLICATE claims/c.csv: same content as claims/a.csv, skipped (landing.duplicateFiles: skip)',
      '             DUPLICATE claims/d.csv: same content as claims/a.csv, loaded again',
      '             UNMATCHED 14 files in the landing folder match no entity pattern:',
      ...Array.from({ length: 10 }, (_, i) => `               stray-${i}.csv`),
      '               … and 4 more',
    ]);
  });

  it('says so when a re-run loaded nothing new, instead of a bare "0 loaded"', () => {
    const again = [
      load('claims/a.csv', { ...NONE, alreadyLoaded: true }),
      load('claims/b.csv', { ...NONE, alreadyLoaded: true }),
    ];
    const result: BatchIngestResult = {
      ...summarizeLoads(again),
      missing: [],
      unmatched: { files: [], total: 0 },
      extracts: [],
      sensorPokes: 1,
    };
    expect(ingestSummaryLines(result)).toEqual([
      '  ingest     2 files, 0 tables: 0 rows read = 0 loaded + 0 quarantined (2 files already loaded earlier)',
      '             NOTHING NEW LOADED: all 2 files were loaded by an earlier run',
    ]);
  });
});
