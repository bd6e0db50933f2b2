import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../activities/ingest';
import type { Warehouse } from '../../activities/warehouse';
import type { EntityConfig } from '../../lib/config/schema';
import { describeEngines, type TestEngine } from '../helpers/engines';
import { testEntity } from '../helpers/entities';
import { tmpDir } from '../helpers/tmp';

/**
 * Plain `decimal` (DECIMAL(18,2)) and `integer` columns never round (issue 21 item 9): a value with
 * more places than the type holds is quarantined with its file, row, column and reason, on every
 * engine, for CSV (DuckDB's typed fast path and its text path) and for NDJSON and JSON files.
 */
const COLUMNS = { claim_id: 'string', amount: 'decimal', units: 'integer' } as const;
const INTERVAL = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };

/** Each record's values as text, in file order; the loaded ones and the reasons are the same for every format. */
const RECORDS: Array<[string, string, string]> = [
  ['C1', '1.239', '4'], // 1.24 if rounded
  ['C2', '1.230', '4.5'], // 5 if rounded
  ['C3', '-2', '4.0'],
  ['C4', '12345678901234567', '1'], // 17 digits before the point (an integer: both JSON readers keep its digits)
  ['C5', '1', '99999999999999999999'], // beyond either engine's integer
  ['C6', '0.5', '-7'],
];
const LOADED = [
  { claim_id: 'C3', amount: '-2.00', units: '4', _edp_row_number: '3' },
  { claim_id: 'C6', amount: '0.50', units: '-7', _edp_row_number: '6' },
];
const REASONS = [
  {
    row: '1',
    column: 'amount',
    value: '1.239',
    message: 'more than 2 digits after the decimal point of decimal(18,2): never rounded',
  },
  { row: '2', column: 'units', value: '4.5', message: 'not a whole number, as integer needs: never rounded' },
  {
    row: '4',
    column: 'amount',
    value: '12345678901234567',
    message: 'more than 16 digits before the decimal point of decimal(18,2)',
  },
  { row: '5', column: 'units', value: '99999999999999999999', message: 'out of the range of integer' },
];

const FILES: Record<string, { format: EntityConfig['format']; keepRawText: boolean; content: string }> = {
  'CSV, typed fast path': {
    format: 'csv',
    keepRawText: false,
    content: `claim_id,amount,units\n${RECORDS.map((r) => r.join(',')).join('\n')}\n`,
  },
  'CSV, text path': {
    format: 'csv',
    keepRawText: true,
    content: `claim_id,amount,units\n${RECORDS.map((r) => r.join(',')).join('\n')}\n`,
  },
  NDJSON: {
    format: 'ndjson',
    keepRawText: false,
    content: RECORDS.map(([c, a, u]) => `{"claim_id":"${c}","amount":${a},"units":${u}}\n`).join(''),
  },
  JSON: {
    format: 'json',
    keepRawText: false,
    content: `[${RECORDS.map(([c, a, u]) => `{"claim_id":"${c}","amount":${a},"units":${u}}`).join(',\n')}]`,
  },
};

function numbersSuite(engine: TestEngine): void {
  let w: Warehouse;
  const dir = tmpDir();
  beforeAll(async () => {
    w = await engine.open('numbers');
  });
  afterAll(() => w?.close());

  let n = 0;
  it.each(Object.keys(FILES))('%s: quarantines what would round, loads the rest exactly', async (kind) => {
    const f = FILES[kind];
    const name = `numbers_${++n}`;
    const landing = join(dir, name);
    const file = `${name}/${name}_20260101T0400.${f.format}`;
    mkdirSync(join(landing, name), { recursive: true });
    writeFileSync(join(landing, file), f.content);
    const entity = testEntity({
      name,
      pattern: `${name}_{interval}.${f.format}`,
      format: f.format,
      columns: COLUMNS,
      required: ['claim_id'],
      keepRawText: f.keepRawText,
    });
    const acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [entity] });
    const result = await new MockActivityEnvironment().run<
      [LoadFileInput],
      FileLoadResult,
      typeof acts.loadLandingFile
    >(acts.loadLandingFile, { entity: name, file, interval: INTERVAL, runId: 'r1' });
    expect(result).toMatchObject({ rowsIn: 6, rowsLoaded: 2, rowsQuarantined: 4, alreadyLoaded: false });

    const text = (c: string) => `CAST(${c} AS VARCHAR) AS ${c}`;
    const d = w.dialect;
    const rows = await w.query(
      `SELECT ${[...Object.keys(COLUMNS), '_edp_row_number'].map(text).join(', ')}
       FROM ${d.table({ schema: 'raw', table: name })} ORDER BY _edp_row_number`,
    );
    expect(rows).toEqual(LOADED);
    const errors = await w.query(
      `SELECT source_file AS file, ${text('source_row')}, column_name, raw_value, message, rule
       FROM ${d.table({ schema: 'raw', table: `${name}__errors` })} ORDER BY source_row, column_name`,
    );
    expect(errors).toEqual(
      REASONS.map((r) => ({
        file,
        source_row: r.row,
        column_name: r.column,
        raw_value: r.value,
        message: r.message,
        rule: 'type',
      })),
    );
  });
}

describeEngines('numbers that would round, on %s', numbersSuite);
