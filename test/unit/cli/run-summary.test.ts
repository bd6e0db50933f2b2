import { cancelledLine, summaryLines } from '../../../cli/pipeline-run';
import { summarizeLoads } from '../../../workflows/file-load-summary';
import type { PlatformPipelineResult } from '../../../workflows/platform-pipeline';
import { loadConfig } from '../../../workers/config';

const config = loadConfig({ file: undefined, env: {}, cwd: '/nonexistent' }).config;

/** A run whose every count is distinct, so each word can be pinned to the count it belongs to. */
const run = (overrides: Partial<PlatformPipelineResult> = {}): PlatformPipelineResult => ({
  pipeline: 'platform',
  interval: { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' },
  status: 'succeeded',
  ingest: {
    ...summarizeLoads([
      {
        entity: 'claims',
        file: 'claims_1.csv',
        checksum: 'c1',
        rowsIn: 1013,
        rowsLoaded: 1002,
        rowsQuarantined: 11,
        alreadyLoaded: false,
      },
    ]),
    // The ingest workflow's totals count the SQL extracts' rows too.
    rowsIn: 1320,
    rowsLoaded: 1305,
    rowsQuarantined: 15,
    missing: [],
    unmatched: { files: [], total: 0 },
    extracts: [
      {
        source: 'operational',
        table: 'claim_status_events',
        target: 'raw.operational_claim_status_events',
        mode: 'incremental',
        rowsIn: 307,
        rowsLoaded: 303,
        rowsQuarantined: 4,
        watermarkBefore: null,
        watermarkAfter: '2026-01-01T07:59:00Z',
      },
    ],
    sensorPokes: 1,
  },
  transform: {
    models: [
      { model: 'stg_claims', id: 'model.p.stg_claims', type: 'model', status: 'success', rows: 999 },
      { model: 'stg_claim_status_events', id: 'model.p.e', type: 'model', status: 'success', rows: 17 },
    ],
    failed: 0,
  },
  quality: {
    passed: true,
    runId: 'q1',
    checks: 3,
    scores: [{ table: 'staging.stg_claims', rows: 999, invalidRows: 8, quarantined: 5, score: 99.2 }],
    warnings: [],
    blocking: [],
  },
  export: {
    marts: [
      {
        mart: 'member_claims_summary',
        mode: 'overwrite',
        path: '.edp/export/member_claims_summary',
        deltaVersion: 0,
        rows: 497,
        bytes: 1,
        files: 1,
      },
    ] as NonNullable<PlatformPipelineResult['export']>['marts'],
  },
  ...overrides,
});

describe('the run summary names every row count by what happened to the rows', () => {
  const lines = summaryLines(config, run(), 'edp-pipeline-platform-x', 'r1');
  const line = (start: RegExp): string => {
    const found = lines.find((l) => start.test(l));
    if (!found) throw new Error(`no line matching ${start} in:\n${lines.join('\n')}`);
    return found;
  };

  it('ingest: rows read = loaded + quarantined, for files and SQL extracts alike', () => {
    expect(line(/^ {2}ingest/)).toBe('  ingest     1 files, 1 tables: 1,320 rows read = 1,305 loaded + 15 quarantined');
    expect(line(/operational\.claim_status_events/)).toBe(
      '             operational.claim_status_events → raw.operational_claim_status_events (incremental): ' +
        '307 rows read = 303 loaded + 4 quarantined, watermark none → 2026-01-01T07:59:00Z',
    );
  });

  it('transform: rows written; quality: rows checked, invalid, quarantined; export: rows exported', () => {
    expect(line(/ stg_claims /)).toBe('             success  stg_claims (999 rows written)');
    expect(line(/score/)).toBe(
      '             score  99.20%  staging.stg_claims (999 rows checked: 8 invalid, 5 quarantined)',
    );
    expect(line(/^ {2}export/)).toBe(
      '  export     member_claims_summary: 497 rows exported → Delta table .edp/export/member_claims_summary (version 0, overwrite)',
    );
  });

  it('"rows" is always followed by the word saying which rows, on every line', () => {
    for (const l of lines)
      for (const m of l.matchAll(/\brows? (\w+)/g)) expect(m[1]).toMatch(/^(read|written|checked|exported)$/);
  });

  it('a re-run that loaded nothing says so instead of a bare "0 loaded"', () => {
    const again = run();
    again.ingest = {
      ...summarizeLoads([
        {
          entity: 'claims',
          file: 'claims_1.csv',
          checksum: 'c1',
          rowsIn: 0,
          rowsLoaded: 0,
          rowsQuarantined: 0,
          alreadyLoaded: true,
        },
      ]),
      missing: [],
      unmatched: { files: [], total: 0 },
      extracts: [{ ...run().ingest.extracts[0], rowsIn: 0, rowsLoaded: 0, rowsQuarantined: 0 }],
      sensorPokes: 1,
    };
    expect(summaryLines(config, again, 'x', 'r1')).toEqual(
      expect.arrayContaining([
        '  ingest     1 files, 1 tables: 0 rows read = 0 loaded + 0 quarantined (1 files already loaded earlier)',
        '             NOTHING NEW LOADED: all 1 files were loaded by an earlier run; the SQL extracts found no new rows',
      ]),
    );
  });

  it('a run cancelled while watched ends as CANCELLED, not FAILED', () => {
    expect(cancelledLine('platform', run().interval)).toMatch(
      /^Pipeline platform \[2026-01-01T04:00Z, 2026-01-01T08:00Z\): CANCELLED \(/,
    );
  });
});
