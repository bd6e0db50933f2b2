/** Transformation: a dbt-format project parsed into a manifest, planned once, and run node by node. */
export * from './transform-activities';
export { compileProject } from './compile-project';
export * from './parse';
export * from './selection';
export * from './manifest-types';
export * from './manifest-store';
export { compileNode, testSql } from './compile';
export { CompileError } from './jinja';
export { renderRelation, quoterFor } from './jinja-context';
export { SELECTOR_METHODS, type SelectorMethod } from './selector-methods';
export { installPackages } from './packages';
export { checkFreshness, freshnessSources, writeSourcesJson, type FreshnessResult } from './source-freshness';
export { dbtManifest, type DbtManifestFile } from './artifacts-manifest';
export {
  copyRunResults,
  dbtRunResults,
  runResultsFile,
  storedRunResultsOf,
  writeRunResults,
  type NodeOutcome,
  type NodeTiming,
  type RunResultsStored,
  type StoreRunResultsInput,
} from './artifacts-run-results';
export { writeCatalog } from './artifacts-catalog';
export { readStateManifest } from './state';
