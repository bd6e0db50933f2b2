import { CompileError } from './jinja';

/** A test entry of a properties file, read. */
export interface ParsedTestEntry {
  /** The generic test: `unique`, `not_null`, `accepted_values`, `relationships`, or a project test. */
  test: string;
  /** An explicit `name:`. */
  name?: string;
  kwargs: Record<string, unknown>;
  config: Record<string, unknown>;
  /** For `relationships`: the parent it points to. */
  to?: { ref?: string; source?: [string, string] };
}

/** dbt's `TestBuilder.CONFIG_ARGS`: entry keys that are configs, not arguments of the test macro. */
const CONFIG_ARGS = new Set([
  'severity',
  'tags',
  'enabled',
  'where',
  'limit',
  'warn_if',
  'error_if',
  'fail_calc',
  'store_failures',
  'store_failures_as',
  'meta',
  'database',
  'schema',
  'alias',
]);

/**
 * Reads one entry under `tests:`/`data_tests:`: `- unique`, `- accepted_values: {values: […]}`,
 * `- relationships: {to: ref('x'), field: id, config: {severity: warn}}` (also the `arguments:` form).
 */
export function parseTestEntry(entry: unknown, file: string, on: string, column?: string): ParsedTestEntry {
  const where = `${file}: test on ${on}${column ? `.${column}` : ''}`;
  if (typeof entry === 'string') return { test: entry, kwargs: {}, config: {} };
  if (!entry || typeof entry !== 'object' || Array.isArray(entry))
    throw new CompileError(`${where} must be a name or a mapping`);
  const obj = entry as Record<string, unknown>;
  let test: string;
  let body: Record<string, unknown>;
  if (typeof obj.test_name === 'string') {
    test = obj.test_name;
    body = obj;
  } else {
    const keys = Object.keys(obj);
    if (keys.length !== 1)
      throw new CompileError(`${where}: expected one test name as the key, found ${keys.join(', ')}`);
    test = keys[0];
    body = (obj[test] ?? {}) as Record<string, unknown>;
  }
  const kwargs: Record<string, unknown> = {};
  const config: Record<string, unknown> = { ...((body.config as object) ?? {}) };
  for (const [k, v] of Object.entries({ ...body, ...((body.arguments as object) ?? {}) })) {
    if (k === 'config' || k === 'arguments' || k === 'test_name' || k === 'name' || k === 'description') continue;
    if (CONFIG_ARGS.has(k)) config[k] = v;
    else kwargs[k] = v;
  }
  const out: ParsedTestEntry = { test, kwargs, config, name: typeof body.name === 'string' ? body.name : undefined };
  if (test === 'accepted_values' && !Array.isArray(kwargs.values))
    throw new CompileError(`${where}: accepted_values needs values: [..]`);
  if (test === 'relationships') {
    if (typeof kwargs.to !== 'string' || typeof kwargs.field !== 'string') {
      throw new CompileError(`${where}: relationships needs to: ref('model') and field: column`);
    }
    const ref = /ref\(\s*['"]([^'"]+)['"]\s*\)/.exec(kwargs.to);
    const src = /source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)/.exec(kwargs.to);
    if (!ref && !src)
      throw new CompileError(`${where}: relationships to: must be ref('model') or source('name', 'table')`);
    out.to = ref ? { ref: ref[1] } : { source: [src![1], src![2]] };
  }
  return out;
}
