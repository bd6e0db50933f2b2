import { DEFAULT_TARGET, planProject, writeCatalog } from '../activities/transform';
import { engineNamed } from '../activities/warehouse';
import type { EdpConfig } from '../workers/config-schema';
import { withWarehouseReader } from './session';

/** What `edp dbt docs generate` documents: the project and its vars. */
export interface DocsRequest {
  projectDir: string;
  vars?: Record<string, unknown>;
}

/**
 * `edp dbt docs generate`: parses the project (writing target/manifest.json in dbt's schema) and writes
 * target/catalog.json from the warehouse's information schema, read-only, as `dbt docs generate --no-compile`.
 */
export async function dbtDocsGenerate(config: EdpConfig, req: DocsRequest, log: (m: string) => void): Promise<number> {
  const target = {
    ...DEFAULT_TARGET,
    schema: config.transform.targetSchema,
    type: engineNamed(config.warehouse.engine).dbtType,
  };
  const { manifest } = planProject(req.projectDir, { command: 'compile', vars: req.vars }, target);
  const { file, relations } = await withWarehouseReader(config, (reader) => writeCatalog(manifest, reader));
  log(`Wrote manifest.json and ${file} (${relations} relations)`);
  return 0;
}
