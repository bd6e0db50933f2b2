import { DBT_BUILTINS } from './dbt-builtins';
import { internalName, rewriteTemplate, type RewriteScope } from './jinja-rewrite';
import { isVariadic, macroSignatures, type MacroSignature } from './macro-signatures';

/** The namespace of the cross-database macros every project sees (`dbt.date_trunc`, …). */
export const DBT_NAMESPACE = 'dbt';

/** The macros of a project and its packages, rewritten into one minijinja template (plain data: it is stored in the manifest). */
export interface MacroLibrary {
  /** Every macro file of every package, rewritten and concatenated, then the `edp__macros` table. */
  source: string;
  /** Macro names the root project defines (generic tests as `test_<name>`). */
  names: string[];
  /** Where each file starts in `source`: first line (1-based) and the file. */
  files: Array<{ file: string; line: number }>;
  /** The root project's name. */
  root: string;
  /** Macro names of each package (the root project, installed packages and `dbt`). */
  packages: Record<string, string[]>;
  /** `dispatch:` of dbt_project.yml: the packages searched for each macro namespace, in order. */
  dispatch: Record<string, string[]>;
  /** Each macro's signature by internal name (absent in manifests stored before macros took `varargs` / `kwargs`). */
  signatures?: Record<string, MacroSignature>;
}

/** One package's macro files: `[file, text]`, the file as it is named in messages. */
export interface PackageMacros {
  name: string;
  files: ReadonlyArray<readonly [file: string, text: string]>;
}

const DEFINED = /\{%-?\s*(macro|test)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

const definedIn = (text: string) => [...text.matchAll(DEFINED)].map((m) => (m[1] === 'test' ? `test_${m[2]}` : m[2]));

const nameSets = new WeakMap<object, Map<string, Set<string>>>();

/** True when package `pkg` of the library defines macro `name` (sets built once per library). */
function hasMacro(lib: Pick<MacroLibrary, 'packages'>, pkg: string, name: string): boolean {
  let sets = nameSets.get(lib.packages);
  if (!sets) {
    sets = new Map(Object.entries(lib.packages).map(([p, names]) => [p, new Set(names)]));
    nameSets.set(lib.packages, sets);
  }
  return sets.get(pkg)?.has(name) ?? false;
}

/** How names resolve from the code of `pkg`: the root project first, then the package itself, then `dbt`. */
export function scopeFor(lib: Pick<MacroLibrary, 'root' | 'packages' | 'signatures'>, pkg: string): RewriteScope {
  const has = (p: string, name: string) => hasMacro(lib, p, name);
  const signatures = lib.signatures ?? {};
  const order = [...new Set([lib.root, pkg, DBT_NAMESPACE])];
  return {
    pkg,
    bare: (name) => {
      const found = order.find((p) => has(p, name));
      return found === undefined ? undefined : internalName(found, name);
    },
    isNamespace: (ns) => ns in lib.packages,
    qualified: (ns, name) => (has(ns, name) ? internalName(ns, name) : undefined),
    signature: (internal) => signatures[internal],
    dispatchesVariadic: (name) => variadicDispatchNames(lib.packages, signatures).has(name),
  };
}

const variadicNames = new WeakMap<object, Set<string>>();

/** The names `adapter.dispatch(name)` may resolve to a macro reading `varargs` / `kwargs` (built once per library). */
function variadicDispatchNames(
  packages: Record<string, string[]>,
  signatures: Record<string, MacroSignature>,
): Set<string> {
  let names = variadicNames.get(signatures);
  if (!names) {
    names = new Set();
    for (const [pkg, macros] of Object.entries(packages)) {
      for (const macro of macros) {
        const m = /^[A-Za-z0-9]+__(.+)$/.exec(macro);
        if (m && isVariadic(signatures[internalName(pkg, macro)])) names.add(m[1]);
      }
    }
    variadicNames.set(signatures, names);
  }
  return names;
}

/** Builds the library: the root project's macros, the installed packages' and the engine's `dbt` macros. */
export function buildMacroLibrary(
  root: PackageMacros,
  packages: readonly PackageMacros[] = [],
  dispatch: Record<string, string[]> = {},
  check?: (source: string) => string | undefined,
): MacroLibrary {
  const all: PackageMacros[] = [
    root,
    ...packages,
    { name: DBT_NAMESPACE, files: [['(engine) dbt macros', DBT_BUILTINS]] },
  ];
  const names: Record<string, string[]> = {};
  for (const p of all) names[p.name] = [...new Set(p.files.flatMap(([, text]) => definedIn(text)))];
  const signatures: Record<string, MacroSignature> = {};
  for (const p of all) {
    for (const [, text] of p.files) {
      for (const m of macroSignatures(text)) signatures[internalName(p.name, m.name)] = m.signature;
    }
  }
  const lib = { root: root.name, packages: names, signatures };
  const bodies = all.flatMap((p) => {
    const scope = scopeFor(lib, p.name);
    return p.files.map(([file, text]) => ({ pkg: p.name, file, text, body: rewriteTemplate(text, scope).source }));
  });
  // A package file minijinja cannot read fails when one of its macros is called, not at every parse;
  // files are checked one by one only when the whole library does not compile.
  if (check?.(bodies.map((b) => b.body).join('\n'))) {
    for (const b of bodies) {
      const problem = b.pkg === root.name ? undefined : check(b.body);
      if (problem) b.body = brokenStubs(b.pkg, b.file, b.text, problem);
    }
  }
  for (const b of bodies)
    b.body = b.body.replace(RELATION_CHECK, (_m, open: string, name: string) => `${open}${name}__replaced(`);
  const parts: string[] = [];
  const files: MacroLibrary['files'] = [];
  let line = 1;
  for (const { file, body } of bodies) {
    files.push({ file, line });
    parts.push(body);
    line += body.split('\n').length;
  }
  parts.push(relationCheckStubs(packages));
  const table = all.flatMap((p) => names[p.name].map((n) => internalName(p.name, n)));
  parts.push(`{% set edp__macros = {${table.map((n) => `'${n}': ${n}`).join(', ')}} %}`);
  return {
    source: parts.join('\n'),
    names: names[root.name],
    files,
    root: root.name,
    packages: names,
    dispatch,
    signatures,
  };
}

/**
 * Packages check that an argument is a Relation object (`obj is mapping and obj.metadata.type …`);
 * the engine's `ref()` and `source()` render as SQL text (minijinja-js has no object that is both), so
 * these checks are replaced by ones that accept what they are given.
 */
const RELATION_CHECK = /(\{%-?\s*macro\s+)(p__[A-Za-z0-9_]+?___is_(?:relation|ephemeral))\(/g;

function relationCheckStubs(packages: readonly PackageMacros[]): string {
  return packages
    .flatMap((p) => ['_is_relation', '_is_ephemeral'].map((n) => internalName(p.name, n)))
    .map((n) => `{% macro ${n}(obj, macro) %}{% endmacro %}`)
    .join('');
}

/** Stand-ins for the macros of a file that does not compile, keeping its line count. */
function brokenStubs(pkg: string, file: string, text: string, problem: string): string {
  const message = `${file}: ${problem} (minijinja cannot read this package file)`.replace(/['\\\n]/g, ' ');
  const stubs = definedIn(text).map(
    (n) => `{% macro ${internalName(pkg, n)}() %}{{ edp__broken('${message}') }}{% endmacro %}`,
  );
  return stubs.join('') + '\n'.repeat(text.split('\n').length - 1);
}

/**
 * The internal name `adapter.dispatch(name, namespace)` resolves to, called from `caller`, for an adapter
 * of type `adapterType`: in each searched package, `<adapter>__name` then `default__name`.
 */
export function dispatchTarget(
  lib: MacroLibrary,
  caller: string,
  adapterType: string,
  name: string,
  namespace?: string,
): string | undefined {
  const search = namespace
    ? (lib.dispatch[namespace] ?? [lib.root, namespace])
    : [...new Set([lib.root, caller, DBT_NAMESPACE])];
  for (const p of search) {
    for (const prefix of [adapterType, 'default']) {
      if (hasMacro(lib, p, `${prefix}__${name}`)) return internalName(p, `${prefix}__${name}`);
    }
  }
  return undefined;
}

/** The installed packages (not the root project) defining the generic test `test` (`{% test <test> %}`). */
export function packagesDefiningTest(lib: MacroLibrary, test: string): string[] {
  return Object.keys(lib.packages).filter(
    (p) => p !== lib.root && p !== DBT_NAMESPACE && hasMacro(lib, p, `test_${test}`),
  );
}

/**
 * The macro a generic test entry names, as `package.test_name`: `dbt_utils.expression_is_true` in its
 * package; a bare name in the root project, then `dbt`, as dbt-core's macro namespace looks it up (an installed
 * package's test needs its package name).
 */
export function genericTestMacro(lib: MacroLibrary, test: string): string | undefined {
  const dot = test.indexOf('.');
  if (dot >= 0) {
    const ns = test.slice(0, dot);
    const name = `test_${test.slice(dot + 1)}`;
    return hasMacro(lib, ns, name) ? `${ns}.${name}` : undefined;
  }
  const owner = [lib.root, DBT_NAMESPACE].find((p) => hasMacro(lib, p, `test_${test}`));
  return owner === undefined ? undefined : `${owner}.test_${test}`;
}
