import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder for one test. */
export function tmpDir(prefix = 'edp-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
