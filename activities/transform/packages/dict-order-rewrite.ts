import { matching, nextSolid, prevSolid, tokenize, type TemplatePart, type Token } from './jinja-tokens';
import { pythonPrinted } from './python-print';

/**
 * The rewrites that give dicts Python's insertion order (see dict-orders.ts): a dict literal with several
 * keys notes its key order (`edp__note`), and where a mapping is iterated its keys come from
 * `edp__reordered` (the insertion order when it differs from the sorted one). Where the order cannot be
 * given (`{{ d }}`, `|tojson`, `.items()` outside a for loop), `edp__sorted` fails the render, naming
 * the line, when it would differ.
 */

/** A name, dotted chain or subscript by a literal or name at the end of rewritten code: evaluating it twice is harmless. */
const SIMPLE_END =
  /(?<![\w.)\]'"])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*|\s*\[\s*(?:'[^'\\]*'|"[^"\\]*"|\d+|[A-Za-z_]\w*)\s*\])*)\s*$/;

/** Filters whose result follows the order of the mapping they are given. */
const ITERATING_FILTERS = new Set([
  'list',
  'join',
  'first',
  'last',
  'reverse',
  'batch',
  'slice',
  'map',
  'select',
  'reject',
  'selectattr',
  'rejectattr',
  'unique',
]);

/** Filters that render a mapping in minijinja's sorted order. */
const RENDERING_FILTERS = new Set(['tojson', 'items', 'string', 'pprint']);

/** The constant key lists of the dict literals inside the one being rewritten (see {@link nestedLiterals}). */
let inner: string[][] | undefined;

const CONSTANT = /^(?:'[^'\\]*'|"[^"\\]*"|-?\d+)$/;

/**
 * A dict literal `{k1: v1, k2: v2}` (`rewrite` gives its rewritten code and key expressions) noting its keys'
 * order when it has several. A literal inside another with constant keys is noted with the outermost one, in
 * one call (dbt_date's tables of names nest dozens).
 */
export function nestedLiterals(rewrite: () => [string, string[]]): string {
  const outer = inner === undefined;
  const mine: string[][] = [];
  if (outer) inner = mine;
  let literal: string;
  let keys: string[];
  try {
    [literal, keys] = rewrite();
  } finally {
    if (outer) inner = undefined;
  }
  if (keys.length < 2) return outer && mine.length ? noted(literal, mine) : literal;
  if (!outer && keys.every((k) => CONSTANT.test(k))) {
    inner!.push(keys);
    return literal;
  }
  return noted(literal, [keys, ...(outer ? mine : [])]);
}

const noted = (literal: string, lists: string[][]): string =>
  `(${literal} if edp__note([${lists.map((keys) => `[${keys.join(', ')}]`).join(', ')}]) else none)`;

/** The key expressions of the dict literal whose `{` is at `open` (`code` rewrites a span of tokens). */
export function literalKeys(tokens: readonly Token[], open: number, code: (a: number, b: number) => string): string[] {
  const close = matching(tokens, open);
  const keys: string[] = [];
  let start = open + 1;
  let depth = 0;
  for (let j = open + 1; j < close; j++) {
    const text = tokens[j].kind === 'punct' ? tokens[j].text : '';
    if (text && '([{'.includes(text)) depth++;
    else if (text && ')]}'.includes(text)) depth--;
    else if (depth === 0 && text === ':') keys.push(code(start, j).trim());
    else if (depth === 0 && text === ',') start = j + 1;
  }
  return keys;
}

/** `x` when `x` (an expression) is not a mapping whose insertion order differs from its sorted one; else the render fails. */
const checked = (x: string): string => `(${x} if ${x} is not mapping or 1 // edp__sorted(${x}|list) else ${x})`;

/**
 * Rewritten code `out` followed by filter `filter`: a simple operand before the `|` is given in insertion
 * order (a mapping's keys) or checked, when the filter depends on the order.
 */
export function beforeFilter(out: string, filter: string): string {
  const iterating = ITERATING_FILTERS.has(filter);
  if (!iterating && !RENDERING_FILTERS.has(filter)) return out;
  const bar = /\|\s*$/.exec(out);
  const operand = bar ? SIMPLE_END.exec(out.slice(0, bar.index)) : null;
  // Not a filter's or test's name (`x|list|join`, `x is string|…`), nor a keyword.
  if (!bar || !operand || /(\||\bis|\bnot)\s*$/.test(out.slice(0, operand.index))) return out;
  if (/^(in|not|and|or|is|if|else)$/.test(operand[1])) return out;
  return `${out.slice(0, operand.index)}${orderedOperand(operand[1].trim(), filter)}${out.slice(bar.index)}`;
}

/** Simple expression `x` as filter `filter` (iterating it, or rendering it) should get it. */
function orderedOperand(x: string, filter: string): string {
  return ITERATING_FILTERS.has(filter) ? `(edp__order(${x}|list) if ${x} is mapping else ${x})` : checked(x);
}

/**
 * `{{ call(…)|filter… }}` (`code`: rewritten) where the filter depends on order: the call's result set
 * to a variable first (`n` names it), so the filter gets it in insertion order, or checked.
 */
export function hoistedCall(part: TemplatePart, code: string, n: number): string | undefined {
  const tokens = tokenize(code);
  let i = nextSolid(tokens, 0);
  if (i < 0 || tokens[i].kind !== 'ident') return undefined;
  let calls = 0;
  for (i = nextSolid(tokens, i + 1); i >= 0 && tokens[i].text !== '|'; i = nextSolid(tokens, i + 1)) {
    const t = tokens[i];
    if (t.text === '(' || t.text === '[') {
      calls += t.text === '(' ? 1 : 0;
      i = matching(tokens, i);
    } else if (t.text === '.' && tokens[nextSolid(tokens, i + 1)]?.kind === 'ident') i = nextSolid(tokens, i + 1);
    else return undefined;
  }
  const filterAt = i >= 0 ? nextSolid(tokens, i + 1) : -1;
  const filter = filterAt >= 0 ? tokens[filterAt].text : '';
  if (!calls || (!ITERATING_FILTERS.has(filter) && !RENDERING_FILTERS.has(filter))) return undefined;
  const text = (a: number, b: number) => spanText(tokens, a, b);
  const x = `edp__e${n}`;
  const set = `${part.open.replace('{{', '{%')} set ${x} = ${text(0, i)} %}`;
  return `${set}{{ ${orderedOperand(x, filter)}${text(i, tokens.length)}${part.close}`;
}

/** `receiver.keys()` / `.items()` / `.values()` for a simple receiver: keys in insertion order, the others checked. */
export function methodView(receiver: string, method: string): string {
  if (method === 'keys') return `(edp__order(${receiver}|list) if ${receiver} is mapping else ${receiver}.keys())`;
  if (method === 'items') return `(${checked(receiver)}.items() if ${receiver} is mapping else ${receiver}|edp__items)`;
  return `${checked(receiver)}.values()`;
}

/**
 * `{{ x }}` (`code`: x rewritten) of a simple expression `x`: checked, as it renders a mapping in sorted order,
 * and printed as Python prints it (see python-print.ts).
 */
export function renderedExpr(part: TemplatePart, code: string): string | undefined {
  const m = SIMPLE_END.exec(code);
  if (!m || m.index !== code.search(/\S/) || /^(none|true|false|loop|caller)$/i.test(m[1].trim())) return undefined;
  const x = m[1].trim();
  return `${part.open} ${pythonPrinted(x, checked(x))}${'\n'.repeat(code.split('\n').length - 1)} ${part.close}`;
}

/**
 * A `{% for … in X %}` statement iterating `X`, `X.keys()`, `X.items()` or `X.values()` in the mapping's
 * insertion order (`n` names the loop's helper variables), or undefined when it is left as it is (a
 * recursive loop, or `items()` / `values()` with a loop filter). `code` rewrites a span of tokens.
 */
export function orderedFor(
  part: TemplatePart,
  tokens: readonly Token[],
  n: number,
  code: (a: number, b: number) => string,
  skip: (receiverFirst: number) => boolean,
): string | undefined {
  const forAt = nextSolid(tokens, 0);
  if (tokens.some((t) => t.kind === 'ident' && t.text === 'recursive')) return undefined;
  const inAt = topLevel(tokens, forAt + 1, tokens.length, 'in');
  if (inAt < 0) return undefined;
  const exprFrom = nextSolid(tokens, inAt + 1);
  const ifAt = topLevel(tokens, inAt + 1, tokens.length, 'if');
  const exprTo = ifAt < 0 ? tokens.length : ifAt;
  if (exprFrom < 0 || exprFrom >= exprTo || skip(exprFrom)) return undefined;
  // `X.keys()` / `.items()` / `.values()` at the end of the iterated expression.
  const last = prevSolid(tokens, exprTo);
  const open = tokens[last]?.text === ')' ? prevSolid(tokens, last) : -1;
  const name = open >= 0 && tokens[open].text === '(' ? prevSolid(tokens, open) : -1;
  const dot = name >= 0 ? prevSolid(tokens, name) : -1;
  const method = dot > exprFrom && tokens[dot].text === '.' ? tokens[name].text : '';
  const view = ['keys', 'items', 'values'].includes(method) ? method : '';
  if ((view === 'items' || view === 'values') && ifAt >= 0) return undefined;
  const text = (a: number, b: number) => spanText(tokens, a, b);
  const x = `edp__f${n}`;
  const o = `edp__o${n}`;
  const it = `edp__i${n}`;
  const receiver = code(exprFrom, view ? dot : exprTo).replace(/\n/g, ' ');
  const rest = code(exprTo, tokens.length);
  const target = text(forAt + 1, inAt).trim();
  const head = `${part.open} set ${x} = ${receiver} %}{% set ${o} = edp__reordered(${x}|list) if ${x} is mapping else none %}`;
  const lines = '\n'.repeat(text(0, exprTo).split('\n').length - 1);
  if (!view || view === 'keys') {
    const original = view ? `${x}.keys()` : x;
    return `${head}{% for ${target} in (${o} if ${o} is not none else ${original}) ${rest}${lines}${part.close}`;
  }
  const original = view === 'items' ? `(${x}.items() if ${x} is mapping else ${x}|edp__items)` : `${x}.values()`;
  const loop = `{% for ${it} in (${o} if ${o} is not none else ${original}) ${rest}${lines}%}`;
  const close = part.close;
  if (view === 'values') return `${head}${loop}{% set ${target} = ${x}[${it}] if ${o} is not none else ${it} ${close}`;
  const names = target.replace(/^\((.*)\)$/s, '$1').split(',');
  if (names.length !== 2) {
    return `${head}${loop}{% set ${target} = (${it}, ${x}[${it}]) if ${o} is not none else ${it} ${close}`;
  }
  const [k, v] = names.map((s) => s.trim());
  return `${head}${loop}{% set ${k} = ${it} if ${o} is not none else ${it}[0] %}{% set ${v} = ${x}[${it}] if ${o} is not none else ${it}[1] ${close}`;
}

/** The index of the first identifier `word` outside brackets in tokens `from`..`to`, else -1. */
function topLevel(tokens: readonly Token[], from: number, to: number, word: string): number {
  let depth = 0;
  for (let j = from; j < to; j++) {
    const t = tokens[j];
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
    else if (depth === 0 && t.kind === 'ident' && t.text === word) return j;
  }
  return -1;
}

/** The code of tokens `a`..`b`. */
function spanText(tokens: readonly Token[], a: number, b: number): string {
  return tokens
    .slice(a, b)
    .map((t) => t.text)
    .join('');
}
