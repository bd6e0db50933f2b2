import { fileStamp, type DataInterval } from './intervals';

/**
 * A matcher for an entity's file names in one interval: `{interval}` is the interval start as
 * `YYYYMMDDTHHMM` and `*` any run of characters but `/`, e.g. `claims_{interval}_*.csv`.
 */
export function landingNameMatcher(pattern: string, interval: DataInterval): RegExp {
  const [before, after] = pattern.split('{interval}');
  const part = (s: string): string =>
    s
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*');
  return new RegExp(`^${part(before)}${fileStamp(interval.start)}${part(after ?? '')}$`);
}

/** The single file name a pattern without `*` names for an interval. */
export function landingName(pattern: string, interval: DataInterval): string {
  if (pattern.includes('*'))
    throw new TypeError(`pattern ${pattern} names many files; list them with landingNameMatcher`);
  return pattern.replace('{interval}', fileStamp(interval.start));
}
