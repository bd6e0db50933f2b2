import { createHash } from 'node:crypto';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** Python's `repr` of a text: the quotes and escapes `repr(str)` chooses, so hashes over it equal dbt's. */
function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `str()` of a YAML value (`True`, `None`, `['a', 'b']`, `{'k': 1}`), as dbt flattens test arguments. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python's `repr()` of a YAML value. */
function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pyStrRepr(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  // YAML gives nothing else (no functions or symbols): a bigint is an integer, as Python prints it.
  return typeof value === 'bigint' ? value.toString() : 'None';
}

/** Python's shortest float text (`1e-05`, `1e+16`, `0.5`). */
function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
  const abs = Math.abs(n);
  if (abs >= 1e16 || abs < 1e-4) {
    const [m, e] = n.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(n);
}

/**
 * dbt's `synthesize_generic_test_names`: the full name (the node's name and fqn) from the test, the target
 * and the arguments' values in argument order, and the short one (the alias): the first 30 characters of
 * `<test>_<target>` and the full name's md5 when the full name has 64 characters or more.
 */
export function synthesizeTestNames(
  testType: string,
  targetName: string,
  args: Record<string, unknown>,
): { name: string; alias: string } {
  const flat: string[] = [];
  for (const key of Object.keys(args).sort()) {
    if (key === 'model') continue;
    const v = args[key];
    const parts = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [v];
    flat.push(...parts.map(pyStr));
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, '_')).join('__');
  const identifier = `${testType}_${targetName}`;
  const name = `${identifier}_${unique}`;
  return { name, alias: name.length >= 64 ? `${identifier.slice(0, 30)}_${md5(name)}` : name };
}

/** What names a generic test node as dbt does. */
export interface GenericTestNaming {
  /** The test as written: `not_null`, `dbt_utils.expression_is_true`. */
  test: string;
  /** The model, seed or snapshot name, or `<source>_<table>` for a source. */
  targetName: string;
  onSource: boolean;
  /** `ref('x')` or `source('s', 't')`: the relation the test's `model` argument names. */
  targetCall: string;
  /** The test's arguments besides `model` (with `column_name` for a column's test). */
  args: Record<string, unknown>;
  /** An explicit `name:`. */
  explicitName?: string;
}

/**
 * A generic test's name, alias and unique id as dbt-core 1.10 gives them:
 * `test.<project>.<name>.<last 10 hex of md5(name + repr(test_metadata))>`.
 */
export function genericTestIdentity(
  projectName: string,
  t: GenericTestNaming,
): { name: string; alias: string; uniqueId: string } {
  const dot = t.test.indexOf('.');
  const namespace = dot > 0 ? t.test.slice(0, dot) : undefined;
  const base = dot > 0 ? t.test.slice(dot + 1) : t.test;
  const testType = `${namespace ? `${namespace}_` : ''}${t.onSource ? 'source_' : ''}${base}`;
  const synthetic = synthesizeTestNames(testType, t.targetName, t.args);
  const { name, alias } = t.explicitName ? { name: t.explicitName, alias: t.explicitName } : synthetic;
  const kwargs = { ...t.args, model: `{{ get_where_subquery(${t.targetCall}) }}` };
  const metadata = { kwargs: hashable(kwargs), name: base, namespace: String(namespace ?? 'None') };
  const hash = md5(name + pyRepr(hashable(metadata))).slice(-10);
  return { name, alias, uniqueId: `test.${projectName}.${name}.${hash}` };
}

/** dbt's `get_hashable_md`: mappings with sorted keys, lists kept, every other value `str()`. */
function hashable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hashable);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, hashable((v as Record<string, unknown>)[k])]),
    );
  return pyStr(v);
}
