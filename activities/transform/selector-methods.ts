import type { DbtManifestFile } from './artifacts-manifest';
import { CompileError } from './jinja';
import type { Manifest, ManifestNode, UnitTest } from './manifest-types';
import { stateMatches } from './state';

/** What selection may compare with besides the project: the `--state` manifest. */
export interface SelectionContext {
  state?: DbtManifestFile;
}

/** A selector method: the node (or source) ids `method:value` matches, before graph operators. */
export type SelectorMethod = (manifest: Manifest, value: string, ctx?: SelectionContext) => Set<string>;

function globToRegex(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

const nodesWhere = (manifest: Manifest, pred: (n: ManifestNode) => boolean): Set<string> =>
  new Set(
    Object.values(manifest.nodes)
      .filter(pred)
      .map((n) => n.id),
  );

const unitTestsWhere = (manifest: Manifest, pred: (u: UnitTest) => boolean): Set<string> =>
  new Set(
    Object.values(manifest.unitTests ?? {})
      .filter(pred)
      .map((u) => u.id),
  );

/** A unit test's fqn as dbt gives it: its model's fqn followed by the test's name. */
const unitTestFqn = (manifest: Manifest, u: UnitTest): string[] => [...(manifest.nodes[u.model]?.fqn ?? []), u.name];

/**
 * dbt's fqn match: the node's name, or a dotted prefix of its fqn (`staging`, `project.staging.sub`),
 * where a `*` part matches everything below it.
 */
function fqnMatches(fqn: readonly string[], selector: string): boolean {
  if (fqn[fqn.length - 1] === selector) return true;
  const parts = selector.split('.');
  const flat = fqn.flatMap((s) => s.split('.'));
  if (parts.length > flat.length) return false;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '*') return true;
    if (flat[i] !== parts[i]) return false;
  }
  return true;
}

const fqnOrShortFqn = (fqn: readonly string[], value: string): boolean =>
  fqnMatches(fqn, value) || fqnMatches(fqn.slice(1), value);

/**
 * `fqn:` (and a bare name): the node's name or a prefix of its fqn, with or without the project name; a
 * unit test by its own name too (`--select test_orders_totals`), as dbt selects it.
 */
const fqn: SelectorMethod = (manifest, value) =>
  new Set([
    ...nodesWhere(manifest, (n) => fqnOrShortFqn(n.fqn, value)),
    ...unitTestsWhere(manifest, (u) => fqnOrShortFqn(unitTestFqn(manifest, u), value)),
  ]);

/** `tag:`: nodes with a tag matching the glob. */
const tag: SelectorMethod = (manifest, value) =>
  nodesWhere(manifest, (n) => (n.config.tags ?? []).some((t) => globToRegex(value).test(t)));

/** `path:`: nodes in the file, in a folder below it, or with a path matching the glob. */
const path: SelectorMethod = (manifest, value) => {
  const p = value.replace(/\/+$/, '');
  return nodesWhere(manifest, (n) => n.path === p || n.path.startsWith(`${p}/`) || globToRegex(p).test(n.path));
};

/** `source:`: sources `name` or `name.table`, each part a glob. */
const source: SelectorMethod = (manifest, value) => {
  const [s, t] = value.split('.');
  const re = globToRegex(t ?? '*');
  return new Set(
    Object.values(manifest.sources)
      .filter((x) => globToRegex(s).test(x.sourceName) && re.test(x.name))
      .map((x) => x.id),
  );
};

/** `resource_type:`: nodes of one resource type (model, seed, snapshot, test), or `unit_test` the unit tests. */
const resourceType: SelectorMethod = (manifest, value) =>
  value === 'unit_test' ? unitTestsWhere(manifest, () => true) : nodesWhere(manifest, (n) => n.resourceType === value);

/** `config.materialized:`: nodes with that materialization. */
const materialized: SelectorMethod = (manifest, value) => nodesWhere(manifest, (n) => n.config.materialized === value);

/**
 * `test_type:`: `generic` tests (from properties files), `singular` ones (SQL files), `data` both, `unit` the
 * unit tests (`unit_tests:`), as dbt's TestTypeSelectorMethod.
 */
const testType: SelectorMethod = (manifest, value) => {
  const dataTests = (keep: (n: ManifestNode) => boolean) =>
    nodesWhere(manifest, (n) => n.resourceType === 'test' && keep(n));
  if (value === 'generic') return dataTests((n) => !!n.generic);
  if (value === 'singular') return dataTests((n) => !n.generic);
  if (value === 'data') return dataTests(() => true);
  if (value === 'unit') return unitTestsWhere(manifest, () => true);
  throw new CompileError(`--select test_type:${value}: unknown test type (use generic, singular, data or unit)`);
};

/** `state:`: nodes new or changed against the `--state` manifest (dbt's slim CI). */
const state: SelectorMethod = (manifest, value, ctx) => {
  if (!ctx?.state)
    throw new CompileError(`--select state:${value} needs --state DIR (a folder with an earlier manifest.json)`);
  return stateMatches(manifest, ctx.state, value);
};

/**
 * Every selector method by the name written before the colon. A new method is one function and one
 * line here (dbt's MethodManager); graph operators and set operations stay in `selection.ts`.
 */
export const SELECTOR_METHODS: Readonly<Record<string, SelectorMethod>> = {
  fqn,
  tag,
  path,
  source,
  resource_type: resourceType,
  'config.materialized': materialized,
  test_type: testType,
  state,
};
