import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_SERVICES_DIR } from '../setup/test-services';

/**
 * The folder holding this checkout's test temporary folders: emptied when a test run starts and removed when
 * it ends (kept with `EDP_TEST_KEEP_TMP=1`), so runs do not leave folders behind in /tmp. One per checkout, so
 * test runs in two clones do not remove each other's.
 */
export const TEST_TMP_ROOT = join(
  tmpdir(),
  `edp-test-${createHash('sha256').update(TEST_SERVICES_DIR).digest('hex').slice(0, 10)}`,
);

/** A fresh temporary folder for one test, under {@link TEST_TMP_ROOT}. */
export function tmpDir(prefix = 'edp-test-'): string {
  mkdirSync(TEST_TMP_ROOT, { recursive: true });
  return mkdtempSync(join(TEST_TMP_ROOT, prefix));
}
