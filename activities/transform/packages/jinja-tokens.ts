/** A piece of a Jinja template: plain text, or the inside of a `{{ }}`, `{% %}` or `{# #}` tag. */
export interface TemplatePart {
  kind: 'text' | 'expr' | 'stmt' | 'comment';
  /** For tags: the opening (`{{`, `{%-`, …), the code between, and the closing (`}}`, `-%}`, …). */
  open: string;
  code: string;
  close: string;
}

const RAW = /\{%-?\s*raw\s*-?%\}/y;
const ENDRAW = /\{%-?\s*endraw\s*-?%\}/g;

/** Splits a template into text and tags; `{% raw %}` blocks stay text. */
export function splitTemplate(source: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  const text = (end: number) => {
    if (end > at) parts.push({ kind: 'text', open: '', code: source.slice(at, end), close: '' });
  };
  while (at < source.length) {
    const start = source.indexOf('{', at);
    if (start < 0) break;
    const kind = source[start + 1];
    if (kind !== '{' && kind !== '%' && kind !== '#') {
      const next = source.indexOf('{', start + 1);
      if (next < 0) break;
      parts.push({ kind: 'text', open: '', code: source.slice(at, next), close: '' });
      at = next;
      continue;
    }
    text(start);
    at = start;
    RAW.lastIndex = start;
    const raw = kind === '%' ? RAW.exec(source) : null;
    if (raw) {
      ENDRAW.lastIndex = start + raw[0].length;
      const end = ENDRAW.exec(source);
      const stop = end ? end.index + end[0].length : source.length;
      parts.push({ kind: 'text', open: '', code: source.slice(start, stop), close: '' });
      at = stop;
      continue;
    }
    const open =
      source[start + 2] === '-' || source[start + 2] === '+'
        ? source.slice(start, start + 3)
        : source.slice(start, start + 2);
    const closer = kind === '{' ? '}}' : kind === '%' ? '%}' : '#}';
    const end = kind === '#' ? source.indexOf(closer, start + 2) : findClose(source, start + open.length, closer);
    if (end < 0) {
      text(source.length);
      at = source.length;
      break;
    }
    const dash = source[end - 1] === '-' || source[end - 1] === '+' ? 1 : 0;
    parts.push({
      kind: kind === '{' ? 'expr' : kind === '%' ? 'stmt' : 'comment',
      open,
      code: source.slice(start + open.length, end - dash),
      close: source.slice(end - dash, end + 2),
    });
    at = end + 2;
  }
  text(source.length);
  return parts;
}

/** The index of `closer` that ends a tag starting at `from`, skipping string literals. */
function findClose(source: string, from: number, closer: string): number {
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'") {
      const end = source.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (source.startsWith(closer, i)) return i;
  }
  return -1;
}

/** A token of Jinja code. */
export interface Token {
  kind: 'ident' | 'string' | 'number' | 'space' | 'punct';
  text: string;
}

/** Tokenizes the code of a tag; joining the tokens' text gives the code back. */
export function tokenize(code: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /(\s+)|([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\d+(?:\.\d+)?)|(\*\*|\/\/|==|!=|<=|>=|.)/gs;
  for (const m of code.matchAll(re)) {
    const kind = m[1] ? 'space' : m[2] ? 'ident' : m[3] ? 'string' : m[4] ? 'number' : 'punct';
    tokens.push({ kind, text: m[0] });
  }
  return tokens;
}

/** The index of the next non-space token at or after `i`, or -1. */
export function nextSolid(tokens: readonly Token[], i: number): number {
  for (let j = i; j < tokens.length; j++) if (tokens[j].kind !== 'space') return j;
  return -1;
}

/** The index of the previous non-space token before `i`, or -1. */
export function prevSolid(tokens: readonly Token[], i: number): number {
  for (let j = i - 1; j >= 0; j--) if (tokens[j].kind !== 'space') return j;
  return -1;
}

/** The index of the `)`, `]` or `}` closing the bracket at `open`, or the last token. */
export function matching(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j].text;
    if (tokens[j].kind !== 'punct') continue;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if (t === ')' || t === ']' || t === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return tokens.length - 1;
}
