/** A template value as text. */
const asText = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/** Python's `\1` back-references and named groups, as JavaScript writes them. */
const jsReplacement = (repl: string) => repl.replace(/\\(\d+)/g, '$$$1').replace(/\\g<(\w+)>/g, '$$<$1>');
const jsPattern = (pattern: unknown) => asText(pattern).replace(/\(\?P</g, '(?<');

/** A Python datetime as templates use it: parts, `isoformat()`, `strftime()`. */
function datetimeValue(d: Date, dateOnly = false) {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const codes: Record<string, string> = {
    Y: String(d.getUTCFullYear()),
    m: pad(d.getUTCMonth() + 1),
    d: pad(d.getUTCDate()),
    H: pad(d.getUTCHours()),
    M: pad(d.getUTCMinutes()),
    S: pad(d.getUTCSeconds()),
    f: pad(d.getUTCMilliseconds() * 1000, 6),
  };
  const iso = dateOnly
    ? d.toISOString().slice(0, 10)
    : d
        .toISOString()
        .replace('Z', '')
        .replace(/\.(\d{3})$/, '.$1000');
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    isoformat: () => iso,
    strftime: (fmt: unknown) => asText(fmt).replace(/%([YmdHMSf%])/g, (_m, c: string) => (c === '%' ? '%' : codes[c])),
  };
}

/** dbt's `modules`: the parts of Python's `re` and `datetime` that packages use. */
export function jinjaModules(now: () => Date) {
  return {
    re: {
      sub: (pattern: unknown, repl: unknown, text: unknown) =>
        asText(text).replace(new RegExp(jsPattern(pattern), 'g'), jsReplacement(asText(repl))),
      search: (pattern: unknown, text: unknown) => new RegExp(jsPattern(pattern)).exec(asText(text))?.[0] ?? null,
      match: (pattern: unknown, text: unknown) =>
        new RegExp(`^(?:${jsPattern(pattern)})`).exec(asText(text))?.[0] ?? null,
      findall: (pattern: unknown, text: unknown) =>
        [...asText(text).matchAll(new RegExp(jsPattern(pattern), 'g'))].map((m) => m[1] ?? m[0]),
      split: (pattern: unknown, text: unknown) => asText(text).split(new RegExp(jsPattern(pattern))),
    },
    datetime: {
      datetime: { now: () => datetimeValue(now()), utcnow: () => datetimeValue(now()) },
      date: { today: () => datetimeValue(now(), true) },
    },
  };
}
