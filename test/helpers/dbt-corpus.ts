import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the shared dbt corpus may be: `EDP_DBT_CORPUS`, beside the checkout (`../shared`), this machine's `/work/shared`. */
const CANDIDATES = [
  process.env.EDP_DBT_CORPUS,
  join(__dirname, '..', '..', '..', 'shared', 'dbt-corpus'),
  '/work/shared/dbt-corpus',
].filter((p): p is string => !!p);

/**
 * The folder of the public dbt packages and projects the tests build (read only: tests copy from it).
 * A clone outside the work folder (CI's clean clone) still finds it; when none exists the test fails saying where it looked.
 */
export function dbtCorpus(): string {
  const found = CANDIDATES.find((p) => existsSync(join(p, 'projects', 'jaffle-shop')));
  if (!found) throw new Error(`the dbt corpus is not in any of ${CANDIDATES.join(', ')}: set EDP_DBT_CORPUS`);
  return found;
}
