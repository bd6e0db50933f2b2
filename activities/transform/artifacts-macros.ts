import { join } from 'node:path';
import type { ManifestNode } from './manifest-types';
import { DBT_BUILTINS } from './packages/dbt-builtins';
import { internalName, rewriteTemplate } from './packages/jinja-rewrite';
import { splitTemplate } from './packages/jinja-tokens';
import { DBT_NAMESPACE, dispatchTarget, genericTestMacro, scopeFor, type MacroLibrary } from './packages/macro-library';
import { installedPackages } from './packages/package-specs';
import { macroFilesOf } from './parse/parse-macros';
import { findFiles, readProjectFile } from './project-files';

/** One macro as dbt's manifest lists it: its package, file (relative to the package) and full text. */
export interface MacroBlock {
  id: string;
  name: string;
  pkg: string;
  path: string;
  sql: string;
  /** Ids of the macros its body calls (`macro.<package>.<name>`). */
  calls: string[];
}

/** A `{% docs %}` block: dbt's `doc.<package>.<name>` with the text between the tags. */
export interface DocBlock {
  id: string;
  name: string;
  path: string;
  contents: string;
}

/** The file that documents the engine's own `dbt` macros (they are not read from a file). */
const BUILTINS_PATH = 'macros/edp_builtins.sql';

/**
 * The blocks `{% <open> name %} … {% end<open> %}` of a template, each with its name and text cut as dbt's
 * block lexer cuts it: a tag opened with `{%-` takes the whitespace before it (back to what an earlier tag
 * consumed), a tag closed with `-%}` the whitespace after it.
 */
function blocksOf(text: string, open: readonly string[]): Array<{ kind: string; name: string; text: string }> {
  const out: Array<{ kind: string; name: string; text: string }> = [];
  let at = 0;
  let consumed = 0;
  let current: { kind: string; name: string; start: number } | undefined;
  for (const part of splitTemplate(text)) {
    let end = at + part.open.length + part.code.length + part.close.length;
    if (part.kind === 'stmt') {
      if (part.close.startsWith('-')) end += /^\s*/.exec(text.slice(end))![0].length;
      const m = /^\s*([A-Za-z_]+)(?:\s+([A-Za-z_][A-Za-z0-9_]*))?/.exec(part.code);
      const keyword = m?.[1] ?? '';
      if (!current && open.includes(keyword) && m?.[2]) {
        const before = part.open.endsWith('-') ? /\s*$/.exec(text.slice(consumed, at))![0].length : 0;
        current = { kind: keyword, name: m[2], start: at - before };
      } else if (current && keyword === `end${current.kind}`) {
        out.push({ kind: current.kind, name: current.name, text: text.slice(current.start, end) });
        current = undefined;
      }
    }
    if (part.kind !== 'text') consumed = end;
    at += part.open.length + part.code.length + part.close.length;
  }
  return out;
}

const idMaps = new WeakMap<object, Map<string, string>>();

/** Macro ids by the internal name the engine's rewrite gives each (`p__<package>__<name>`), built once per library. */
function idsByInternalName(lib: MacroLibrary): Map<string, string> {
  let out = idMaps.get(lib.packages);
  if (out) return out;
  out = new Map<string, string>();
  for (const [pkg, names] of Object.entries(lib.packages))
    for (const name of names) out.set(internalName(pkg, name), `macro.${pkg}.${name}`);
  idMaps.set(lib.packages, out);
  return out;
}

/** `adapter.dispatch('name')`, `adapter.dispatch('name', 'pkg')` and their keyword forms, with literal strings. */
const DISPATCH =
  /adapter\s*\.\s*dispatch\s*\(\s*(?:macro_name\s*=\s*)?(['"])(\w+)\1\s*(?:,\s*(?:macro_namespace\s*=\s*)?(['"])(\w+)\3\s*)?\)/g;

/**
 * The macros the literal `adapter.dispatch` calls of a template reach, as dbt-core's static parser lists them:
 * the macro the name resolves to from `pkg` and the implementation dispatch picks for the adapter.
 */
function dispatchedCalls(lib: MacroLibrary, pkg: string, adapterType: string, text: string, self?: string): string[] {
  const scope = scopeFor(lib, pkg);
  return [...text.matchAll(DISPATCH)].flatMap((m) => {
    const [name, namespace] = [m[2], m[4]];
    // dbt skips the name of the dispatching macro itself, wherever the name would resolve.
    const named = name === self ? undefined : scope.bare(name);
    return [named, dispatchTarget(lib, pkg, adapterType, name, namespace)].filter((n): n is string => !!n);
  });
}

/** The macros a template of package `pkg` calls, as dbt's `depends_on.macros`, sorted. */
function callsOf(
  lib: MacroLibrary,
  ids: Map<string, string>,
  pkg: string,
  adapterType: string,
  text: string,
  self?: { id: string; name: string },
): string[] {
  const used = [
    ...rewriteTemplate(text, scopeFor(lib, pkg)).used,
    ...dispatchedCalls(lib, pkg, adapterType, text, self?.name),
  ];
  const out = used.map((n) => ids.get(n)).filter((id): id is string => !!id && id !== self?.id);
  return [...new Set(out)].sort();
}

/**
 * Every macro of the project, its installed packages and the engine's `dbt` namespace, with its text
 * (`macro_sql`) and the macros it calls, read from the files as dbt's manifest lists them.
 */
export function macroBlocks(projectDir: string, lib: MacroLibrary, adapterType: string): MacroBlock[] {
  const ids = idsByInternalName(lib);
  const files: Array<{ pkg: string; path: string; text: string }> = [
    ...macroFilesOf(projectDir, readProjectFile(projectDir)).map((f) => ({ pkg: lib.root, ...f })),
    ...installedPackages(projectDir).flatMap((p) =>
      macroFilesOf(join(projectDir, p.path), p.project).map((f) => ({ pkg: p.name, ...f })),
    ),
    { pkg: DBT_NAMESPACE, path: BUILTINS_PATH, text: DBT_BUILTINS },
  ];
  return files.flatMap((f) =>
    // dbt reads a file's text stripped before cutting it into blocks.
    blocksOf(f.text.trim(), ['macro', 'test']).map((b) => {
      const name = b.kind === 'test' ? `test_${b.name}` : b.name;
      const id = `macro.${f.pkg}.${name}`;
      return {
        id,
        name,
        pkg: f.pkg,
        path: f.path,
        sql: b.text,
        calls: callsOf(lib, ids, f.pkg, adapterType, b.text, { id, name }),
      };
    }),
  );
}

/**
 * The macros a node calls, as dbt's `depends_on.macros`: those its SQL calls; for a generic test, its test
 * macro when the project or a package defines it (the engine runs dbt's four core tests without macros).
 */
export function nodeMacros(lib: MacroLibrary, n: ManifestNode, adapterType: string): string[] {
  if (n.generic) {
    const test = genericTestMacro(lib, n.generic.name);
    return test ? [`macro.${test}`] : [];
  }
  return n.rawSql ? callsOf(lib, idsByInternalName(lib), lib.root, adapterType, n.rawSql) : [];
}

/** The project's `{% docs %}` blocks, from the markdown files under its resource folders (dbt's default docs-paths). */
export function docBlocks(projectDir: string): DocBlock[] {
  const project = readProjectFile(projectDir);
  const roots = [
    ...new Set([
      ...project.modelPaths,
      ...project.seedPaths,
      ...project.snapshotPaths,
      ...project.macroPaths,
      ...project.testPaths,
    ]),
  ];
  return findFiles(projectDir, roots, ['.md']).flatMap((f) =>
    blocksOf(f.text, ['docs']).map((b) => ({
      id: `doc.${project.name}.${b.name}`,
      name: b.name,
      path: f.path,
      contents: b.text
        .replace(/^\{%-?\s*docs\s+[A-Za-z_][A-Za-z0-9_]*\s*-?%\}/, '')
        .replace(/\{%-?\s*enddocs\s*-?%\}$/, '')
        .trim(),
    })),
  );
}
