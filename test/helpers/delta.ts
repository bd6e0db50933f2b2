import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testServices } from '../setup/test-services';

/** What delta-rs reads from a Delta table folder (see read_delta.py). */
export interface DeltaRead {
  version: number;
  schema: Array<{ name: string; type: string; nullable: boolean }>;
  partitions: string[];
  protocol: [number, number];
  rows: Array<Record<string, unknown>>;
}

/**
 * Reads a Delta table (a folder, or `s3://…` with delta-rs' `storageOptions`: `AWS_ENDPOINT_URL`, keys, region)
 * with delta-rs, an independent Delta implementation (PyPI `deltalake`).
 */
export async function readWithDeltaRs(tableDir: string, storageOptions?: Record<string, string>): Promise<DeltaRead> {
  const { stdout } = await promisify(execFile)(
    testServices().deltaPython,
    [join(__dirname, 'read_delta.py'), tableDir, ...(storageOptions ? [JSON.stringify(storageOptions)] : [])],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as DeltaRead;
}
