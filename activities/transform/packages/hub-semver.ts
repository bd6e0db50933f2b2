/**
 * dbt's package version ranges (dbt_common/semver.py, dbt-core 1.10), ported rule for rule so `edp dbt deps`
 * picks the same hub version dbt does: a version string with an optional matcher (`>=1.0.0`, `<2.0.0`,
 * `1.3.3`), the reduction of several into one range, and the highest available version inside it.
 */

/** A version's matcher, as dbt spells it. */
export type Matcher = '>' | '>=' | '<' | '<=' | '=';

/** One version with its matcher (`>=1.0.0`), or unbounded (`*`: no limit on that side). */
export interface VersionSpecifier {
  matcher: Matcher;
  major?: string;
  minor?: string;
  patch?: string;
  prerelease?: string;
  build?: string;
  unbounded?: true;
}

/** A range between two specifiers; either side may be unbounded. */
export interface VersionRange {
  start: VersionSpecifier;
  end: VersionSpecifier;
}

/** Two specifiers that cannot hold at once (dbt's VersionsNotCompatibleError). */
export class VersionsNotCompatibleError extends Error {}

const NUM = '(0|[1-9]\\d*)';
const ALPHA_NO_LEADING_ZEROS = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const ALPHA = '[0-9A-Za-z-]*';
const VERSION = new RegExp(
  `^(?<matcher>>=|>|<|<=|=)?(?<major>${NUM})\\.(?<minor>${NUM})\\.(?<patch>${NUM})` +
    `(-?(?<prerelease>${ALPHA_NO_LEADING_ZEROS}(\\.${ALPHA_NO_LEADING_ZEROS})*))?(\\+(?<build>${ALPHA}(\\.${ALPHA})*))?$`,
);

const UNBOUNDED: VersionSpecifier = Object.freeze({ matcher: '=', unbounded: true });

/** Parses `>=1.0.0`, `1.3.3`, `1.0.0-rc1`; undefined when it is not a version dbt accepts. */
export function parseVersion(text: string): VersionSpecifier | undefined {
  const g = VERSION.exec(text)?.groups;
  if (!g) return undefined;
  const spec: VersionSpecifier = { matcher: (g.matcher as Matcher | undefined) ?? '=' };
  for (const k of ['major', 'minor', 'patch', 'prerelease', 'build'] as const) if (g[k] !== undefined) spec[k] = g[k];
  return spec;
}

/** The specifier as dbt prints it (`>=1.0.0`, `*` when unbounded; without the matcher on request). */
export function versionString(v: VersionSpecifier, skipMatcher = false): string {
  if (v.unbounded) return '*';
  const pre = v.prerelease ? `-${v.prerelease}` : '';
  const build = v.build ? `+${v.build}` : '';
  return `${skipMatcher ? '' : v.matcher}${v.major}.${v.minor}.${v.patch}${pre}${build}`;
}

const cmp = (a: string | number, b: string | number): number => (a > b ? 1 : a < b ? -1 : 0);

function natCmp(a: string, b: string): number {
  const parts = (s: string) => s.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [x, y] = [pa[i], pb[i]];
    const c =
      typeof x === 'number' && typeof y === 'number'
        ? cmp(x, y)
        : typeof x === 'number'
          ? -1
          : typeof y === 'number'
            ? 1
            : cmp(x, y);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}

const isLower = (v: VersionSpecifier) => !v.unbounded && (v.matcher === '>' || v.matcher === '>=');
const isUpper = (v: VersionSpecifier) => !v.unbounded && (v.matcher === '<' || v.matcher === '<=');
const isExact = (v: VersionSpecifier) => !v.unbounded && v.matcher === '=';

/** dbt's VersionSpecifier.compare: -1, 0 or 1, the matchers deciding between equal versions. */
export function compareVersions(self: VersionSpecifier, other: VersionSpecifier): number {
  if (self.unbounded || other.unbounded) return 0;
  for (const key of ['major', 'minor', 'patch', 'prerelease'] as const) {
    const [a, b] = [self[key], other[key]];
    if (key === 'prerelease') {
      if (a === undefined && b === undefined) continue;
      if (a === undefined) return self.matcher === '<' ? -1 : 1;
      if (b === undefined) return -1;
      const c = natCmp(a, b);
      if (c !== 0) return c;
    } else {
      const c = cmp(Number(a), Number(b));
      if (c !== 0) return c;
    }
  }
  const [m, o] = [self.matcher, other.matcher];
  if ((m === '>=' && o === '<=') || (m === '<=' && o === '>=')) return 0;
  if ((m === '<' && o === '<=') || (o === '>' && m === '>=') || (isUpper(self) && isLower(other))) return -1;
  if ((o === '<' && m === '<=') || (m === '>' && o === '>=') || (isLower(self) && isUpper(other))) return 1;
  return 0;
}

function toRange(v: VersionSpecifier): VersionRange {
  if (isExact(v)) return { start: v, end: v };
  if (isLower(v)) return { start: v, end: UNBOUNDED };
  if (isUpper(v)) return { start: UNBOUNDED, end: v };
  return { start: UNBOUNDED, end: UNBOUNDED };
}

function combineWithExact(bound: VersionSpecifier, exact: VersionSpecifier, lower: boolean): VersionSpecifier {
  const c = compareVersions(bound, exact);
  const ok = lower ? c < 0 || (c === 0 && bound.matcher === '>=') : c > 0 || (c === 0 && bound.matcher === '<=');
  if (ok) return exact;
  throw new VersionsNotCompatibleError();
}

function combineBound(a: VersionSpecifier, b: VersionSpecifier, lower: boolean): VersionSpecifier {
  if (b.unbounded) return a;
  if (a.unbounded) return b;
  if (!isExact(a) && !isExact(b)) {
    const c = compareVersions(a, b);
    return (lower ? c < 0 : c > 0) ? b : a;
  }
  return isExact(a) ? combineWithExact(b, a, lower) : combineWithExact(a, b, lower);
}

function reduceRange(self: VersionRange, other: VersionRange): VersionRange {
  let start: VersionSpecifier;
  let end: VersionSpecifier;
  if (isExact(self.start) && isExact(other.start)) {
    if (compareVersions(self.start, other.start) !== 0) throw new VersionsNotCompatibleError();
    start = end = self.start;
  } else {
    start = combineBound(self.start, other.start, true);
    end = combineBound(self.end, other.end, false);
  }
  if (compareVersions(start, end) > 0) throw new VersionsNotCompatibleError();
  return { start, end };
}

/** The range every specifier allows (dbt's reduce_versions); throws naming them all when there is none. */
export function reduceVersions(specs: readonly VersionSpecifier[]): VersionRange {
  const list = specs.filter((s) => !s.unbounded);
  if (!list.length) return { start: UNBOUNDED, end: UNBOUNDED };
  try {
    let range = toRange(list[list.length - 1]);
    for (const s of list.slice(0, -1)) range = reduceRange(range, toRange(s));
    return range;
  } catch (err) {
    if (!(err instanceof VersionsNotCompatibleError)) throw err;
    throw new VersionsNotCompatibleError(
      `Could not find a satisfactory version from options: [${specs.map((s) => `'${versionString(s)}'`).join(', ')}]`,
    );
  }
}

/** Whether the specifiers can all hold at once (dbt's versions_compatible). */
export function versionsCompatible(specs: readonly VersionSpecifier[]): boolean {
  if (specs.length === 1) return true;
  try {
    reduceVersions(specs);
    return true;
  } catch (err) {
    if (err instanceof VersionsNotCompatibleError) return false;
    throw err;
  }
}

/** The range as dbt prints it: `>=1.0.0, <2.0.0`, or `ANY`. */
export function rangeString(r: VersionRange): string {
  if (r.start.unbounded && r.end.unbounded) return 'ANY';
  return [r.start, r.end]
    .filter((v) => !v.unbounded)
    .map((v) => versionString(v))
    .join(', ');
}

function parseOrThrow(text: string): VersionSpecifier {
  const v = parseVersion(text);
  if (!v) throw new Error(`"${text}" is not a valid semantic version.`);
  return v;
}

/** The highest of `available` inside `range` (dbt's resolve_to_specific_version), as written there. */
export function resolveToSpecificVersion(range: VersionRange, available: readonly string[]): string | undefined {
  let best: VersionSpecifier | undefined;
  let bestText: string | undefined;
  for (const text of available) {
    const v = parseOrThrow(text);
    if (versionsCompatible([v, range.start, range.end]) && (!best || compareVersions(best, v) < 0)) {
      best = v;
      bestText = text;
    }
  }
  return bestText;
}

/** The versions that may be installed, oldest first: pre-releases only when asked (dbt's filter_installable). */
export function filterInstallable(versions: readonly string[], installPrerelease: boolean): string[] {
  const kept = versions
    .map((text) => ({ text, v: parseOrThrow(text) }))
    .filter((x) => installPrerelease || !x.v.prerelease);
  // Python's sort is stable and uses __lt__ only; compareVersions is a consistent order for plain versions.
  return kept.sort((a, b) => compareVersions(a.v, b.v)).map((x) => x.text);
}
