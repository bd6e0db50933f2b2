import { MockActivityEnvironment } from '@temporalio/testing';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../../../activities/ingest';
import { extractLog, fileLoadLog } from '../../../../activities/ingest/ingest-log';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import { testEntity } from '../../../helpers/entities';
import { tmpDir } from '../../../helpers/tmp';

/** A member's name and id, as a row of a landing file holds them: they must never reach a log line. */
const PHI = ['Kofi Rossi', 'M0000001'];
const shows = (attributes: unknown): string[] => PHI.filter((v) => JSON.stringify(attributes).includes(v));

describe('ingest log lines carry no row value', () => {
  it('a file quarantined whole: the reason (which may quote a value) stays in the manifest', () => {
    const attributes = fileLoadLog({
      entity: 'claims',
      file: 'claims/claims_20260101T0400.csv',
      rowsIn: 0,
      rowsLoaded: 0,
      rowsQuarantined: 0,
      quarantinedFile: `Conversion Error: Could not convert string '${PHI.join(' ')}' to INT64`,
    });
    expect(shows(attributes)).toEqual([]);
    expect(attributes).toMatchObject({ quarantinedFile: true, reasonIn: 'audit.ingest_manifest' });
  });

  it('a SQL-source extract: counts, not the watermark (a row value)', () => {
    const attributes = extractLog('operational', 'members', 'raw.operational_members', {
      rowsIn: 2,
      rowsLoaded: 2,
      rowsQuarantined: 0,
    });
    expect(attributes).toEqual({
      source: 'operational',
      table: 'members',
      target: 'raw.operational_members',
      rowsIn: 2,
      rowsLoaded: 2,
      rowsQuarantined: 0,
    });
  });

  it('loading a file whose first line is data, not a header: the worker log names no value of it', async () => {
    const dir = tmpDir();
    const landing = join(dir, 'landing');
    mkdirSync(join(landing, 'members'), { recursive: true });
    writeFileSync(join(landing, 'members', 'members_20260101T0400.csv'), `${PHI[1]},${PHI[0]}\nM0000002,Ana Silva\n`);
    const members = testEntity({
      name: 'members',
      pattern: 'members_{interval}.csv',
      columns: { member_id: 'string', full_name: 'string' },
      required: ['member_id'],
    });
    const w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    try {
      const acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [members] });
      const logged: Array<{ message: string; meta?: LogMetadata }> = [];
      const record = (_level: LogLevel) => (message: string, meta?: LogMetadata) => logged.push({ message, meta });
      const logger: Logger = {
        log: (level, message, meta) => record(level)(message, meta),
        trace: record('TRACE'),
        debug: record('DEBUG'),
        info: record('INFO'),
        warn: record('WARN'),
        error: record('ERROR'),
      };
      const result = await new MockActivityEnvironment(undefined, { logger }).run<
        [LoadFileInput],
        FileLoadResult,
        typeof acts.loadLandingFile
      >(acts.loadLandingFile, {
        entity: 'members',
        file: 'members/members_20260101T0400.csv',
        interval: { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' },
        runId: 'r1',
      });
      // The reason quotes the line taken for a header; the manifest keeps it, the log does not.
      expect(result.quarantinedFile).toContain(PHI[0]);
      const line = logged.find((l) => l.message === 'file loaded');
      expect(line?.meta).toMatchObject({ entity: 'members', quarantinedFile: true });
      expect(shows(logged)).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
