import { matching, nextSolid, prevSolid, splitTemplate, tokenize, type TemplatePart, type Token } from './jinja-tokens';
import { isVariadic, type MacroSignature } from './macro-signatures';
import {
  beforeFilter,
  hoistedCall,
  literalKeys,
  methodView,
  nestedLiterals,
  orderedFor,
  renderedExpr,
} from './dict-order-rewrite';
import { pythonPrint } from './python-print';

/**
 * How names resolve in the code of one package: minijinja has no namespaces, no `return()` and no
 * mutable lists, so dbt's Jinja is rewritten into what it has. Every macro gets an internal name
 * (`p__<package>__<name>`), calls are wrapped in `edp__ret(...)` so a `return(value)` inside reaches the
 * caller, `adapter.dispatch(...)` looks the macro up in the `edp__macros` table, and a list or dict that
 * `{% do x.append(…) %}` mutates lives in a `namespace()`. A macro reading `varargs` / `kwargs` declares
 * them as parameters, and calls that may reach it pass every argument through `edp__pack`, which sorts
 * them into its parameters and those two (minijinja refuses extra arguments).
 */
export interface RewriteScope {
  /** The package the code belongs to. */
  pkg: string;
  /** The internal name a call `name(…)` reaches from this package, if a macro. */
  bare(name: string): string | undefined;
  /** True when `ns` names a package (or `dbt`), so `ns.name(…)` is a macro call. */
  isNamespace(ns: string): boolean;
  /** The internal name of `ns.name`, if defined. */
  qualified(ns: string, name: string): string | undefined;
  /** The signature of the macro with this internal name, if known. */
  signature(internal: string): MacroSignature | undefined;
  /** True when some macro `adapter.dispatch(name, …)` may reach reads `varargs` / `kwargs`. */
  dispatchesVariadic(name: string): boolean;
}

/** The internal name of macro `name` of package `pkg`. */
export const internalName = (pkg: string, name: string): string => `p__${pkg}__${name}`;

/** A template rewritten, with the internal macro names it calls. */
export interface Rewritten {
  source: string;
  used: Set<string>;
}

const OPENERS = new Set(['if', 'for', 'call', 'filter']);
const CLOSERS = new Set(['endif', 'endfor', 'endcall', 'endfilter', 'endset']);

const MUTATORS = /^\s*do\s+([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*(append|extend|update)\s*\(/;

/** `{% do x[key].append(…) %}` (extend, update): an entry of `x` mutated. */
const ENTRY_MUTATORS = /^\s*do\s+([A-Za-z_][A-Za-z0-9_]*)\s*\[/;

/** A plain name or dotted chain of names ending `out` before `.`: the receiver of a method call. */
const RECEIVER = /(?<![\w.)\]])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\.\s*$/;

/** Rewrites a template (a model, or a file of macros) of package `scope.pkg`. */
export function rewriteTemplate(source: string, scope: RewriteScope): Rewritten {
  const used = new Set<string>();
  const parts = splitTemplate(source);
  const out: string[] = [];
  const regions = mutationRegions(parts);
  let mutated = regions.get(-1) ?? new Set<string>();
  if (mutated.size) out.push(initNamespaces(mutated));
  // What follows a `return()` must not run (dbt stops there): the rest of the macro after the block
  // holding a return is guarded by `{% if not edp__returned() %}`.
  let depth = -1;
  let guards = 0;
  let pendingGuard = false;
  let loops = 0;
  const guard = (close: string) => {
    guards++;
    return `{% if not edp__returned() ${close.startsWith('-') ? '-' : ''}%}`;
  };
  parts.forEach((part, index) => {
    if (part.kind === 'text' || part.kind === 'comment') {
      out.push(part.open + part.code + part.close);
      return;
    }
    const tokens = tokenize(part.code);
    const first = nextSolid(tokens, 0);
    const keyword = first >= 0 ? tokens[first].text : '';
    if (part.kind === 'stmt' && (keyword === 'macro' || keyword === 'test')) {
      const nameAt = nextSolid(tokens, first + 1);
      const name = keyword === 'test' ? `test_${tokens[nameAt].text}` : tokens[nameAt].text;
      const head = tokens
        .slice(0, first)
        .map((t) => t.text)
        .join('');
      const rest = declareCatchers(
        rewriteCode(tokens, nameAt + 1, tokens.length, scope, used, new Set(), -1),
        scope.signature(internalName(scope.pkg, name)),
      );
      const trim = part.close.startsWith('-') ? ' -}}' : ' }}';
      mutated = regions.get(index) ?? new Set<string>();
      depth = 0;
      guards = 0;
      pendingGuard = false;
      out.push(
        `${part.open}${head}macro ${internalName(scope.pkg, name)}${rest}${part.close}{{ edp__enter()${trim}`,
        mutated.size ? initNamespaces(mutated) : '',
      );
      return;
    }
    if (part.kind === 'stmt' && (keyword === 'endmacro' || keyword === 'endtest')) {
      const ends = guards ? `${part.open} endif %}${'{% endif %}'.repeat(guards - 1)}{%` : part.open;
      out.push(`${ends} do edp__leave() %}{% endmacro ${part.close}`);
      mutated = regions.get(-1) ?? new Set<string>();
      depth = -1;
      return;
    }
    if (depth >= 0 && part.kind === 'stmt') {
      const opens = OPENERS.has(keyword) || (keyword === 'set' && !tokens.some((t) => t.text === '='));
      if (opens) depth++;
      if (CLOSERS.has(keyword)) {
        depth--;
        if (depth === 0 && pendingGuard) {
          pendingGuard = false;
          out.push(
            part.open + rewriteCode(tokens, 0, tokens.length, scope, used, mutated, -1) + part.close,
            guard(part.close),
          );
          return;
        }
      }
    }
    const returns = tokens.some((t) => t.text === 'return') && (part.kind === 'expr' || keyword === 'do');
    if (depth >= 0 && returns) {
      if (depth > 0) pendingGuard = true;
      else {
        out.push(
          part.open + rewriteCode(tokens, 0, tokens.length, scope, used, mutated, -1) + part.close,
          guard(part.close),
        );
        return;
      }
    }
    const mutation = part.kind === 'stmt' ? MUTATORS.exec(part.code) : null;
    if (mutation && mutated.has(mutation[1])) {
      const open = tokens.findIndex((t) => t.text === '(');
      const args = rewriteCode(tokens, open + 1, matching(tokens, open), scope, used, mutated, -1);
      const [, name, method] = mutation;
      if (method === 'update') {
        // Python's dict keeps insertion order, minijinja's sorts its keys: the order lives in `name.k`.
        const keys =
          keysOf(tokens, open + 1, matching(tokens, open), (a, b) =>
            rewriteCode(tokens, a, b, scope, used, mutated, -1),
          ) ?? 'edp__keys(edp__u)';
        out.push(
          `${part.open} set edp__u = ${args} %}{% set ${name}.k = edp__addkeys(${name}.k, ${keys}) %}`,
          `{% set ${name}.v = edp__merge(${name}.v, edp__u) ${part.close}`,
        );
        return;
      }
      const value = method === 'append' ? `${name}.v + [${args}]` : `${name}.v + (${args})|list`;
      out.push(`${part.open} set ${name}.v = ${value} ${part.close}`);
      return;
    }
    const entry = part.kind === 'stmt' && ENTRY_MUTATORS.test(part.code) ? entryMutation(tokens) : undefined;
    if (entry && mutated.has(entry.name)) {
      const code = (a: number, b: number) => rewriteCode(tokens, a, b, scope, used, mutated, -1);
      const key = code(entry.open + 1, entry.close);
      const args = code(entry.paren + 1, matching(tokens, entry.paren));
      const current = `${entry.name}.v[${key}]`;
      const value =
        entry.method === 'append'
          ? `${current} + [${args}]`
          : entry.method === 'extend'
            ? `${current} + (${args})|list`
            : `edp__merge(${current}, ${args})`;
      out.push(`${part.open} set ${entry.name}.v = edp__merge(${entry.name}.v, {${key}: ${value}}) ${part.close}`);
      return;
    }
    const setAt = keyword === 'set' ? nextSolid(tokens, first + 1) : -1;
    const isSetOfMutated =
      setAt >= 0 && mutated.has(tokens[setAt].text) && tokens[nextSolid(tokens, setAt + 1)]?.text === '=';
    const noWrap = keyword === 'call' ? nextSolid(tokens, first + 1) : -1;
    if (isSetOfMutated) {
      const name = tokens[setAt].text;
      const valueAt = nextSolid(tokens, nextSolid(tokens, setAt + 1) + 1);
      const head = tokens
        .slice(0, setAt)
        .map((t) => t.text)
        .join('');
      const value = rewriteCode(tokens, setAt + 1, tokens.length, scope, used, mutated, noWrap);
      const keys =
        keysOf(tokens, valueAt, tokens.length, (a, b) => rewriteCode(tokens, a, b, scope, used, mutated, -1)) ??
        `edp__keys(${name}.v)`;
      out.push(`${part.open}${head}${name}.v${value}%}{% set ${name}.k = ${keys} ${part.close}`);
      return;
    }
    const code = (a: number, b: number) => rewriteCode(tokens, a, b, scope, used, mutated, -1);
    const loop =
      part.kind === 'stmt' && keyword === 'for'
        ? orderedFor(part, tokens, loops++, code, (at) => mutated.has(tokens[at].text))
        : undefined;
    if (loop !== undefined) {
      out.push(loop);
      return;
    }
    const rewrittenCode = rewriteCode(tokens, 0, tokens.length, scope, used, mutated, noWrap);
    const checkedExpr =
      part.kind === 'expr'
        ? (renderedExpr(part, rewrittenCode) ??
          hoistedCall(part, rewrittenCode, loops++) ??
          pythonPrint(part, rewrittenCode, loops++))
        : undefined;
    out.push(checkedExpr ?? part.open + rewrittenCode + part.close);
  });
  return { source: out.join(''), used };
}

/** Parameters `varargs=[]` / `kwargs={}` added to a macro's declared ones (`rest` starts with them in parentheses). */
function declareCatchers(rest: string, signature: MacroSignature | undefined): string {
  if (!signature || !isVariadic(signature)) return rest;
  const tokens = tokenize(rest);
  const close = matching(tokens, nextSolid(tokens, 0));
  const text = (from: number, to: number) =>
    tokens
      .slice(from, to)
      .map((t) => t.text)
      .join('');
  const extra = [signature.varargs ? 'varargs=[]' : '', signature.kwargs ? 'kwargs={}' : ''].filter(Boolean);
  const sep = signature.params.length ? ', ' : '';
  return `${text(0, close).replace(/,\s*$/, '')}${sep}${extra.join(', ')}${text(close, tokens.length)}`;
}

/** Arguments `args` (rewritten text) for a call of macro `target` (an expression naming it) sorted by `edp__pack`. */
const packed = (target: string, args: string): string => `**edp__pack(${target}${args.trim() ? `, ${args}` : ''})`;

/** `do name[key].method(` in these tokens: where the key's brackets and the call's parenthesis are. */
function entryMutation(tokens: readonly Token[]) {
  const nameAt = nextSolid(tokens, nextSolid(tokens, 0) + 1);
  const open = nextSolid(tokens, nameAt + 1);
  const close = matching(tokens, open);
  const dot = nextSolid(tokens, close + 1);
  const methodAt = dot >= 0 ? nextSolid(tokens, dot + 1) : -1;
  const paren = methodAt >= 0 ? nextSolid(tokens, methodAt + 1) : -1;
  const method = methodAt >= 0 ? tokens[methodAt].text : '';
  const fits =
    tokens[dot]?.text === '.' && ['append', 'extend', 'update'].includes(method) && tokens[paren]?.text === '(';
  return fits ? { name: tokens[nameAt].text, open, close, method, paren } : undefined;
}

/** The functions giving a mutated dict's `keys()`, `items()`, `values()` in insertion order. */
const ORDERED_VIEWS: Record<string, string> = { keys: 'edp__okeys', items: 'edp__oitems', values: 'edp__ovalues' };

/**
 * The key expressions, in order, of a dict literal spanning tokens `from`..`to` (as a list; `code` rewrites
 * a span of tokens), else undefined.
 */
function keysOf(
  tokens: readonly Token[],
  from: number,
  to: number,
  code: (a: number, b: number) => string,
): string | undefined {
  const open = nextSolid(tokens, from);
  if (open < 0 || tokens[open].text !== '{') return undefined;
  const close = matching(tokens, open);
  const after = nextSolid(tokens, close + 1);
  if (after >= 0 && after < to) return undefined;
  return `[${literalKeys(tokens, open, code).join(', ')}]`;
}

/** How many arguments the call whose `(` is at `open` has (top-level commas, a trailing one ignored). */
function argumentCount(tokens: readonly Token[], open: number): number {
  const close = matching(tokens, open);
  let depth = 0;
  let count = 0;
  let pending = false;
  for (let j = open + 1; j < close; j++) {
    const t = tokens[j];
    if (t.kind === 'space') continue;
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
    if (depth === 0 && t.text === ',') {
      pending = false;
      continue;
    }
    if (!pending) count++;
    pending = true;
  }
  return count;
}

/** `{% set x = namespace(v=x, k=<x's keys>) %}` for each name: one line, so line numbers stay. */
function initNamespaces(names: ReadonlySet<string>): string {
  return [...names].map((n) => `{% set ${n} = namespace(v=${n}, k=edp__keys(${n})) %}`).join('');
}

/**
 * Names that `{% do x.append(…) %}` (extend, update) mutates, per macro (keyed by the index of its
 * `{% macro %}` part) and outside any macro (key -1).
 */
function mutationRegions(parts: readonly TemplatePart[]): Map<number, Set<string>> {
  const regions = new Map<number, Set<string>>();
  let current = -1;
  parts.forEach((part, index) => {
    if (part.kind !== 'stmt') return;
    if (/^\s*(macro|test)\s/.test(part.code)) current = index;
    else if (/^\s*(endmacro|endtest)\b/.test(part.code)) current = -1;
    const m = MUTATORS.exec(part.code) ?? ENTRY_MUTATORS.exec(part.code);
    if (m) {
      const set = regions.get(current) ?? new Set<string>();
      set.add(m[1]);
      regions.set(current, set);
    }
  });
  return regions;
}

/** Newlines in tokens dropped by a rewrite, kept so line numbers in errors stay right. */
function newlinesIn(tokens: readonly Token[], from: number, to: number): string {
  return '\n'.repeat(
    tokens
      .slice(from, to)
      .map((t) => t.text)
      .join('')
      .split('\n').length - 1,
  );
}

function rewriteCode(
  tokens: readonly Token[],
  from: number,
  to: number,
  scope: RewriteScope,
  used: Set<string>,
  mutated: ReadonlySet<string>,
  noWrap: number,
): string {
  let out = '';
  // Python accepts a trailing comma in a call's arguments, minijinja does not.
  const sub = (a: number, b: number) => rewriteCode(tokens, a, b, scope, used, mutated, -1).replace(/,(\s*)$/, '$1');
  for (let i = from; i < to; i++) {
    const t = tokens[i];
    if (t.kind === 'string') {
      // Python's backslash-newline continuation, which minijinja does not read.
      out += t.text.replace(/\\\n/g, '\n');
      continue;
    }
    if (t.kind === 'punct' && t.text === '{' && matching(tokens, i) < to && tokens[matching(tokens, i)].text === '}') {
      // A dict literal notes its keys' order (Python's insertion order; minijinja sorts them).
      const close = matching(tokens, i);
      const code = (a: number, b: number) => rewriteCode(tokens, a, b, scope, used, mutated, -1);
      out += nestedLiterals((): [string, string[]] => [`{${code(i + 1, close)}}`, literalKeys(tokens, i, code)]);
      i = close;
      continue;
    }
    if (t.kind !== 'ident') {
      out += t.text;
      continue;
    }
    const p = prevSolid(tokens, i);
    if (tokens[p]?.text === '|') out = beforeFilter(out, t.text);
    if (t.text === 'render' && tokens[p]?.text === '.' && tokens[i + 1]?.text === '(' && tokens[i + 2]?.text === ')') {
      // `relation.render()`: ref() and source() give SQL text, which has no methods.
      out = `${out.replace(/\.\s*$/, '')}|edp__render`;
      i += 2;
      continue;
    }
    const chain =
      ['items', 'keys', 'values'].includes(t.text) &&
      tokens[i + 1]?.text === '(' &&
      tokens[i + 2]?.text === ')' &&
      RECEIVER.exec(out);
    if (chain) {
      // Keys in insertion order; agate's `table.columns` is a list here, and a list has no `items()`.
      out = `${out.slice(0, chain.index)}${methodView(chain[1], t.text)}`;
      i += 2;
      continue;
    }
    if (
      t.text === 'get' &&
      tokens[p]?.text === '.' &&
      tokens[i + 1]?.text === '(' &&
      argumentCount(tokens, i + 1) > 1
    ) {
      // `d.get(key, default)`: minijinja's `get` takes no default.
      out = `${out.replace(/\.\s*$/, '')}|edp__get`;
      continue;
    }
    const prev = p >= 0 ? tokens[p].text : '';
    if (
      prev === '.' ||
      prev === '|' ||
      prev === 'is' ||
      (prev === 'not' && tokens[prevSolid(tokens, p)]?.text === 'is')
    ) {
      out += t.text;
      continue;
    }
    const n = nextSolid(tokens, i + 1);
    const next = n >= 0 && n < to ? tokens[n].text : '';
    let callee: string | undefined;
    let paren = -1;
    if (next === '.') {
      const m = nextSolid(tokens, n + 1);
      const after = m >= 0 ? nextSolid(tokens, m + 1) : -1;
      if (after >= 0 && after < to && tokens[after].text === '(') {
        const member = tokens[m].text;
        if (t.text === 'adapter' && member === 'dispatch') {
          const close = matching(tokens, after);
          const lookup = `edp__macros[edp__dispatch('${scope.pkg}', ${sub(after + 1, close)})]`;
          const call = nextSolid(tokens, close + 1);
          if (call < 0 || call >= to || tokens[call].text !== '(') {
            out += lookup + newlinesIn(tokens, i, after);
            i = close;
            continue;
          }
          const end = matching(tokens, call);
          const nameAt = nextSolid(tokens, after + 1);
          const args = sub(call + 1, end);
          const dispatched = `edp__dispatch('${scope.pkg}', ${sub(after + 1, close).replace(/\n/g, ' ')})`;
          const variadic =
            tokens[nameAt]?.kind === 'string' && scope.dispatchesVariadic(tokens[nameAt].text.slice(1, -1));
          out += `edp__ret(${lookup}(${newlinesIn(tokens, i, call)}${variadic ? packed(dispatched, args) : args}))`;
          i = end;
          continue;
        }
        if (scope.isNamespace(t.text) && tokens[m].kind === 'ident') {
          callee = scope.qualified(t.text, member) ?? `edp__missing('${t.text}.${member}')`;
          paren = after;
        }
      }
    } else if (next === '(') {
      if (t.text === 'return') {
        out += 'edp__return';
        continue;
      }
      callee = scope.bare(t.text);
      paren = n;
    } else if (mutated.has(t.text) && next !== '=') {
      // `for k in d`: a dict's keys in insertion order.
      const iterated = tokens[p]?.text === 'in' && tokens[nextSolid(tokens, 0)]?.text === 'for';
      out += iterated
        ? `(edp__okeys(${t.text}.v, ${t.text}.k) if ${t.text}.v is mapping else ${t.text}.v)`
        : `${t.text}.v`;
      continue;
    }
    if (callee === undefined && next === '.' && mutated.has(t.text)) {
      // `d.keys()` (items, values) of a mutated dict: in the order its keys were inserted, as in Python.
      const m = nextSolid(tokens, n + 1);
      const open = m >= 0 ? nextSolid(tokens, m + 1) : -1;
      const view = ORDERED_VIEWS[tokens[m]?.text];
      if (view && tokens[open]?.text === '(' && tokens[nextSolid(tokens, open + 1)]?.text === ')') {
        out += `${view}(${t.text}.v, ${t.text}.k)`;
        i = nextSolid(tokens, open + 1);
        continue;
      }
      out += `${t.text}.v`;
      continue;
    }
    if (callee === undefined) {
      out += t.text;
      continue;
    }
    if (!callee.startsWith('edp__')) used.add(callee);
    const close = matching(tokens, paren);
    const args = sub(paren + 1, close);
    const call = `${callee}(${newlinesIn(tokens, i, paren)}${isVariadic(scope.signature(callee)) ? packed(`'${callee}'`, args) : args})`;
    out += i === noWrap ? call : `edp__ret(${call})`;
    i = close;
  }
  return out;
}
