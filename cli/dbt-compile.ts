import { existsSync } from 'node:fs';
import { compileProject, CompileError, DEFAULT_TARGET, planProject } from '../activities/transform';
import { engineNamed, singleWriterOf } from '../activities/warehouse';
import { ProjectError } from '../lib/errors';
import type { EdpConfig } from '../workers/config-schema';
import { CliError } from './cli-errors';
import { openWarehouseReader, type WarehouseReader } from './session';

/** What `edp dbt compile` compiles: the project, its selection and vars. */
export interface CompileRequest {
  projectDir: string;
  select: string[];
  exclude: string[];
  vars?: Record<string, unknown>;
}

/**
 * Read access opened at the first query, so a project whose templates query nothing never opens the
 * warehouse (nor loads its driver).
 */
function readerOnDemand(config: EdpConfig): WarehouseReader {
  let opened: Promise<WarehouseReader> | undefined;
  return {
    reader: {
      dialect: engineNamed(config.warehouse.engine).dialect,
      query: async (sql) => (await (opened ??= openWarehouseReader(config))).reader.query(sql),
    },
    close: async () => {
      const r = await opened?.catch(() => undefined);
      await r?.close();
    },
  };
}

/** The single-writer file the warehouse will live in when nothing has created it yet (a fresh clone). */
function missingWarehouseFile(config: EdpConfig): string | undefined {
  const file = singleWriterOf(config.warehouse)?.file;
  return file !== undefined && !existsSync(file) ? file : undefined;
}

/**
 * `edp dbt compile`: parses the project and renders each selected node into target/compiled/, without
 * Temporal. Like dbt's, it answers the templates' queries (`run_query`, `statement`, `is_incremental()`)
 * from the warehouse, read-only (through the worker when one holds the file). When the warehouse does not
 * exist yet, nothing is created: models are compiled as not built, and one whose template queries the
 * warehouse is refused with what to run first.
 */
export async function dbtCompile(config: EdpConfig, req: CompileRequest, log: (m: string) => void): Promise<number> {
  const started = Date.now();
  const target = {
    ...DEFAULT_TARGET,
    schema: config.transform.targetSchema,
    type: engineNamed(config.warehouse.engine).dbtType,
  };
  const { manifest, plan } = asCliError(() =>
    planProject(
      req.projectDir,
      { command: 'compile', select: req.select, exclude: req.exclude, vars: req.vars },
      target,
    ),
  );
  const missing = missingWarehouseFile(config);
  const access: WarehouseReader | undefined = missing === undefined ? readerOnDemand(config) : undefined;
  let files: Array<{ id: string; file: string }>;
  try {
    files = await compileProject(
      access?.reader,
      manifest,
      plan.nodes.map((n) => n.id),
    );
  } catch (err) {
    if (missing !== undefined && err instanceof CompileError) {
      throw new CliError(
        `${err.message}\n  There is no warehouse yet (${missing} does not exist), and edp dbt compile, like dbt's, ` +
          'answers these queries from it: build it first (npx edp demo, or npx edp dbt build), or leave these models out with --exclude.',
      );
    }
    throw err;
  } finally {
    await access?.close();
  }
  log(`Compiled ${files.length} nodes of ${manifest.projectName} in ${((Date.now() - started) / 1000).toFixed(2)}s`);
  log(`  manifest: ${plan.manifestFile}`);
  if (files[0]) log(`  compiled SQL under: ${files[0].file.split(`/compiled/`)[0]}/compiled/`);
  return 0;
}

/** Project errors (file:line messages) print as they are, without a stack. */
function asCliError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProjectError) throw new CliError(err.message);
    throw err;
  }
}
