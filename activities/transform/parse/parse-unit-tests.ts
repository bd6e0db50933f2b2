import { basename, extname } from 'node:path';
import { CompileError } from '../jinja';
import type { ManifestSource, UnitTest, UnitTestRows } from '../manifest-types';
import { findFiles, type FoundFile } from '../project-files';
import { parseCsv } from '../seed';
import type { Draft, ParseScope } from './parse-scope';
import { sourceIdOf } from './parse-sources';
import type { UnitTestEntry } from './parse-properties';
import { asList, asObject, nameLine } from './parse-yaml';

/** `ref('m')`, `ref("pkg", "m")`, `ref('m', v=2)`: the model's name. */
const REF = /^\s*ref\(\s*(?:['"][^'"]+['"]\s*,\s*)?['"]([^'"]+)['"]\s*(?:,\s*v(?:ersion)?\s*=[^)]*)?\)\s*$/;
const SOURCE = /^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/;

/**
 * The project's unit tests, checked as dbt checks them at parse: the model exists, every input is a
 * `ref` or `source` the project defines (or `this`), rows come as `dict`, `csv` or `sql` (inline or
 * from a fixture file under the test paths' `fixtures/`). Disabled ones (`config: {enabled: false}`) are left out.
 */
export function parseUnitTests(
  scope: ParseScope,
  entries: readonly UnitTestEntry[],
  byName: ReadonlyMap<string, Draft>,
  sources: Readonly<Record<string, ManifestSource>>,
): Record<string, UnitTest> {
  const out: Record<string, UnitTest> = {};
  let fixtures: FoundFile[] | undefined;
  const fixture = (name: unknown, ext: string, where: string): string => {
    fixtures ??= findFiles(scope.dir, scope.project.testPaths, ['.csv', '.sql']).filter((f) =>
      f.inRoot.startsWith('fixtures/'),
    );
    const found = fixtures.find((f) => extname(f.path) === ext && basename(f.path, ext) === name);
    if (!found)
      throw new CompileError(`${where}: no fixture file ${String(name)}${ext} under the test paths' fixtures/`);
    return found.text;
  };
  for (const { entry, file } of entries) {
    if (typeof entry.name !== 'string') throw new CompileError(`${file.path}: every unit test needs a name`);
    const name = entry.name;
    const line = nameLine(file.text, name);
    const where = `${file.path}:${line}: unit test ${name}`;
    const enabled = asObject(entry.config).enabled;
    if (enabled === false || String(enabled).toLowerCase() === 'false') continue;
    const model = typeof entry.model === 'string' ? byName.get(entry.model) : undefined;
    if (!model || model.resourceType !== 'model') {
      throw new CompileError(`${where}: model '${String(entry.model)}' names no enabled model of this project`);
    }
    const id = `unit_test.${scope.project.name}.${model.name}.${name}`;
    if (out[id]) throw new CompileError(`${where}: ${model.name} has another unit test named ${name}`);
    const given = asList(entry.given).map((raw) => {
      const g = asObject(raw);
      const input = typeof g.input === 'string' ? g.input : '';
      return { input, replaces: inputOf(input, scope, byName, sources, where), ...readRows(g, where, fixture) };
    });
    const expect = asObject(entry.expect);
    if (!('rows' in expect) && !expect.fixture) throw new CompileError(`${where}: expect needs rows (or a fixture)`);
    out[id] = {
      id,
      name,
      model: model.id,
      path: file.path,
      line,
      given,
      expect: readRows(expect, where, fixture),
      ...overridesOf(asObject(entry.overrides), scope, where),
    };
  }
  return out;
}

/** What an input replaces: a node id, a source id, or `this`. */
function inputOf(
  input: string,
  scope: ParseScope,
  byName: ReadonlyMap<string, Draft>,
  sources: Readonly<Record<string, ManifestSource>>,
  where: string,
): string {
  if (input.trim() === 'this') return 'this';
  const ref = REF.exec(input);
  if (ref) {
    const node = byName.get(ref[1]);
    if (!node || node.resourceType === 'test')
      throw new CompileError(`${where}: input ${input} names no model, seed or snapshot`);
    return node.id;
  }
  const src = SOURCE.exec(input);
  if (src) {
    const id = sourceIdOf(scope.project.name, src[1], src[2]);
    if (!sources[id]) throw new CompileError(`${where}: input ${input} is not a declared source`);
    return id;
  }
  throw new CompileError(`${where}: input '${input}' is not ref('…'), source('…', '…') or this`);
}

/** Rows as written: `dict` (the default), `csv` or `sql`, inline (`rows`) or from a `fixture` file. */
function readRows(
  x: Record<string, unknown>,
  where: string,
  fixture: (name: unknown, ext: string, where: string) => string,
): UnitTestRows {
  const format = x.format ?? 'dict';
  if (format === 'sql') {
    const sql = typeof x.rows === 'string' ? x.rows : fixture(x.fixture, '.sql', where);
    return { format, sql };
  }
  if (format === 'csv') {
    const text = typeof x.rows === 'string' ? x.rows : fixture(x.fixture, '.csv', where);
    const [header = [], ...records] = parseCsv(text, ',', where);
    const rows = records.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] === '' ? null : r[i]])));
    return { format, rows };
  }
  if (format !== 'dict') {
    const text = typeof format === 'string' ? format : JSON.stringify(format);
    throw new CompileError(`${where}: format '${text}' is not dict, csv or sql`);
  }
  const rows = asList(x.rows).map((r) => {
    if (!r || typeof r !== 'object' || Array.isArray(r))
      throw new CompileError(`${where}: a dict row must be a mapping`);
    return r as Record<string, unknown>;
  });
  return { format, rows };
}

/** `overrides`: vars, env_vars, and macros the engine can stand in for (not the project's own). */
function overridesOf(o: Record<string, unknown>, scope: ParseScope, where: string): Pick<UnitTest, 'overrides'> {
  const envVars = Object.fromEntries(
    Object.entries(asObject(o.env_vars)).map(([k, v]) => {
      if (v !== null && typeof v === 'object')
        throw new CompileError(`${where}: overrides.env_vars.${k} must be a value`);
      // dbt's UnitTestContext returns the YAML value as it is (`true` renders `True`, `7` adds as a number).
      return [k, v];
    }),
  );
  const macros = asObject(o.macros);
  for (const m of Object.keys(macros)) {
    if (m !== 'is_incremental' && scope.library.names.includes(m)) {
      throw new CompileError(`${where}: overriding the project's macro ${m} is not supported by edp yet`);
    }
  }
  const vars = asObject(o.vars);
  const overrides = {
    ...(Object.keys(vars).length ? { vars } : {}),
    ...(Object.keys(envVars).length ? { envVars } : {}),
    ...(Object.keys(macros).length ? { macros } : {}),
  };
  return Object.keys(overrides).length ? { overrides } : {};
}
