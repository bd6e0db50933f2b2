import { CompileError } from './jinja';
import type { ManifestNode, NodeConfig } from './manifest-types';

/** The custom schema dbt gives tests: their failing rows land in `<target schema>_dbt_test__audit`. */
export const TEST_AUDIT_SCHEMA = 'dbt_test__audit';

/**
 * dbt's `TestConfig.__post_init__`: `store_failures_as` decides `store_failures` when it is set (`ephemeral`
 * stores nothing); otherwise `store_failures: true` means a table, `false` means ephemeral. Mutates `config`.
 */
export function settleStoreFailures(config: NodeConfig): NodeConfig {
  const as = config.store_failures_as;
  if (as === undefined || as === null) {
    if (config.store_failures === true) config.store_failures_as = 'table';
    else if (config.store_failures === false) config.store_failures_as = 'ephemeral';
  } else {
    config.store_failures = as !== 'ephemeral';
  }
  return config;
}

/**
 * Whether a test keeps its failing rows, as dbt's `should_store_failures()` answers: its settled `store_failures`
 * config, or the run's `--store-failures` flag when the test configures neither that nor `store_failures_as`.
 */
export function storesFailures(node: ManifestNode, flag?: boolean): boolean {
  if (node.resourceType !== 'test') return false;
  const configured = node.config.store_failures;
  return configured === undefined || configured === null ? flag === true : configured === true;
}

/**
 * How a test keeps its failing rows: a table, a view, or not at all (dbt's default, and `ephemeral`);
 * `flag` is the run's `--store-failures`.
 */
export function storedFailuresKind(node: ManifestNode, flag?: boolean): 'table' | 'view' | undefined {
  if (!storesFailures(node, flag)) return undefined;
  const as = node.config.store_failures_as ?? 'table';
  if (as === 'table' || as === 'view') return as;
  const text = typeof as === 'string' ? as : JSON.stringify(as);
  throw new CompileError(
    `${node.path}: test ${node.name}: '${text}' is not a valid value for \`store_failures_as\`. Accepted values are: ['ephemeral', 'table', 'view']`,
  );
}
