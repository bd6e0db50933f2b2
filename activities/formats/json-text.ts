/** A JSON value as text, the way DuckDB's `json_extract_string` gives it: strings bare, the rest as JSON, null as null. */
export function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const WS = /\s/;

/** Index just past the JSON string starting at `i` (a `"`). */
function endOfString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** Index just past the JSON value starting at `i` (no leading whitespace). */
function endOfValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return endOfString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = endOfString(text, j);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return j;
  }
  let j = i;
  while (j < text.length && text[j] !== ',' && text[j] !== '}' && text[j] !== ']' && !WS.test(text[j])) j++;
  return j;
}

const skipWs = (text: string, i: number): number => {
  while (i < text.length && WS.test(text[i])) i++;
  return i;
};

/** The source text of each element of a JSON array text (already known to parse). */
export function arrayElements(text: string): string[] {
  const out: string[] = [];
  let i = skipWs(text, text.indexOf('[') + 1);
  while (i < text.length && text[i] !== ']') {
    const end = endOfValue(text, i);
    out.push(text.slice(i, end));
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return out;
}

/**
 * The top-level members of a JSON object text (already known to parse) whose values are numbers,
 * as written: `JSON.parse` rounds integers beyond 2^53, which DuckDB's reader keeps exact.
 */
export function numberLiterals(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = skipWs(text, text.indexOf('{') + 1);
  while (i < text.length && text[i] === '"') {
    const keyEnd = endOfString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, skipWs(text, keyEnd) + 1); // past the colon
    const end = endOfValue(text, i);
    if (/^-?\d/.test(text[i] + (text[i + 1] ?? ''))) out.set(key, text.slice(i, end));
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return out;
}
