import { fileStamp, type DataInterval } from './intervals';

/** Any interval's stamp in a file name: `YYYYMMDDTHHMM`. */
const ANY_STAMP = '\\d{8}T\\d{4}';

function matcher(pattern: string, stamp: string): RegExp {
  const [before, after] = pattern.split('{interval}');
  const part = (s: string): string =>
    s
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*');
  return new RegExp(`^${part(before)}${stamp}${part(after ?? '')}$`);
}

/**
 * A matcher for an entity's file names in one interval: `{interval}` is the interval start as
 * `YYYYMMDDTHHMM` and `*` any run of characters but `/`, e.g. `claims_{interval}_*.csv`.
 */
export function landingNameMatcher(pattern: string, interval: DataInterval): RegExp {
  return matcher(pattern, fileStamp(interval.start));
}

/** A matcher for an entity's file names in any interval: names it matches are expected, now or in another run. */
export function landingNameMatcherAnyInterval(pattern: string): RegExp {
  return matcher(pattern, ANY_STAMP);
}

/** A pattern with the interval's stamp filled in, `*` left as is: the names an interval's files take. */
export function landingPattern(pattern: string, interval: DataInterval): string {
  return pattern.replace('{interval}', fileStamp(interval.start));
}

/** The single file name a pattern without `*` names for an interval. */
export function landingName(pattern: string, interval: DataInterval): string {
  if (pattern.includes('*'))
    throw new TypeError(`pattern ${pattern} names many files; list them with landingNameMatcher`);
  return landingPattern(pattern, interval);
}
