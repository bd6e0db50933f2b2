import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  checkFreshness,
  DEFAULT_TARGET,
  freshnessSources,
  parseProject,
  writeSourcesJson,
  type FreshnessResult,
} from '../activities/transform';
import { engineNamed } from '../activities/warehouse';
import { ProjectError } from '../lib/errors';
import type { EdpConfig } from '../workers/config-schema';
import { CliError } from './cli-errors';
import { openWarehouseReader } from './session';

/** What `edp dbt source freshness` checks: the project, `source:` selectors, vars. */
export interface FreshnessRequest {
  projectDir?: string;
  select: string[];
  vars?: Record<string, unknown>;
}

/** dbt's word for a result in its log line and summary. */
const WORD: Record<FreshnessResult['status'], string> = {
  pass: 'PASS',
  warn: 'WARN',
  error: 'ERROR STALE',
  'runtime error': 'ERROR',
};

/**
 * `edp dbt source freshness`: the age of each source table's latest row against its `freshness` limits,
 * printed PASS / WARN / ERROR STALE as dbt prints them, written to target/sources.json. Reads the
 * warehouse only (through the worker when one holds the file); no Temporal. Exit 1 when a source is
 * stale past `error_after` or its query fails, as dbt.
 */
export async function dbtSourceFreshness(
  config: EdpConfig,
  req: FreshnessRequest,
  log: (m: string) => void,
): Promise<number> {
  const started = Date.now();
  const dir = resolve(req.projectDir ?? config.transform.projectDir);
  const target = {
    ...DEFAULT_TARGET,
    schema: config.transform.targetSchema,
    type: engineNamed(config.warehouse.engine).dbtType,
  };
  let manifest;
  try {
    manifest = parseProject(dir, { target, vars: req.vars });
  } catch (err) {
    if (err instanceof ProjectError) throw new CliError(err.message);
    throw err;
  }
  const sources = freshnessSources(manifest, req.select);
  if (sources.length === 0) {
    log('No source has freshness limits (freshness: warn_after / error_after) in the selection: nothing to check.');
    return 0;
  }
  log(`Started source freshness of ${dir}`);
  const results: FreshnessResult[] = [];
  const access = await openWarehouseReader(config);
  try {
    for (const [i, source] of sources.entries()) {
      const r = await checkFreshness(access.reader, manifest, source);
      results.push(r);
      const word = WORD[r.status];
      const detail = r.error ? `: ${r.error}` : '';
      log(
        `  ${i + 1} of ${sources.length} ${word.padEnd(11)} freshness of ${r.name} [${word} in ${(r.ms / 1000).toFixed(2)}s]${detail}`,
      );
    }
  } finally {
    await access.close();
  }
  const elapsed = (Date.now() - started) / 1000;
  const file = writeSourcesJson(manifest, results, { invocationId: randomUUID(), elapsedSeconds: elapsed });
  const count = (...s: Array<FreshnessResult['status']>) => results.filter((r) => s.includes(r.status)).length;
  log(`  sources: ${file}`);
  log(
    `\nFinished in ${elapsed.toFixed(2)}s. Done. PASS=${count('pass')} WARN=${count('warn')} ERROR=${count('error', 'runtime error')} SKIP=0 TOTAL=${results.length}`,
  );
  return count('error', 'runtime error') ? 1 : 0;
}
