/** Parsing a dbt project into a manifest: one parser per resource type, run in order by `parseProject`. */
export { parseProject } from './parse-project';
export type { ParseOptions } from './parse-scope';
