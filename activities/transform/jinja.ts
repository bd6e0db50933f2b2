import { Environment } from 'minijinja-js';
import { ProjectError } from '../../lib/errors';
import { MacroFrames } from './packages/macro-frames';
import { dispatchTarget, scopeFor, type MacroLibrary } from './packages/macro-library';
import { rewriteTemplate } from './packages/jinja-rewrite';
import { packArguments } from './packages/macro-signatures';
import { itemsOf, revived } from './packages/compile-queries';
import { DictOrders, orderProblem, sameOrder } from './packages/dict-orders';

/** Raised for a template that does not render; the message starts with `file:line:`. */
export class CompileError extends ProjectError {}

export type { MacroLibrary } from './packages/macro-library';

/** What a template sees besides the macros: functions and values named as dbt names them. */
export type JinjaGlobals = Record<string, unknown>;

const LIBRARY = '__edp_macros__';

/**
 * A Jinja environment (minijinja with Python compatibility) holding the project's macros. JS callbacks
 * must never throw inside minijinja (it aborts the WebAssembly instance), so they report problems
 * through {@link JinjaRenderer.fail}, and {@link render} raises them after rendering.
 */
export class JinjaRenderer {
  private env = new Environment();
  private problems: Array<{ message: string; call?: RegExp; located?: boolean }> = [];
  private readonly orders = new DictOrders();
  private readonly frames = new MacroFrames();
  private adapterType = 'duckdb';

  constructor(private readonly macros: MacroLibrary) {
    this.reset();
  }

  private reset(): void {
    this.env = new Environment();
    this.env.enablePyCompat();
    this.env.undefinedBehavior = 'lenient';
    this.env.trimBlocks = false;
    try {
      this.env.addTemplate(LIBRARY, this.macros.source);
      for (const [name, value] of Object.entries(this.machinery())) this.env.addGlobal(name, value);
      this.env.addFilter('indent', indent);
      this.env.addFilter('edp__items', (v: unknown) => itemsOf(toPlainValue(v)));
      this.env.addFilter('edp__get', (d: unknown, key: unknown, fallback: unknown = null) => {
        const value = toPlainValue(d);
        const found = value !== null && typeof value === 'object' && Object.hasOwn(value, String(key));
        return found ? (value as Record<string, unknown>)[String(key)] : fallback;
      });
      // `x.render()`: ref() gives SQL text already; `this` carries its rendered form.
      this.env.addFilter('edp__render', (v: unknown) => {
        const rel = toPlainValue(v) as { rendered?: unknown } | string;
        return typeof rel === 'string' ? rel : typeof rel?.rendered === 'string' ? rel.rendered : JSON.stringify(rel);
      });
    } catch (err) {
      // A syntax error in a macro file: a project error (non-retryable), named by file and line.
      throw new CompileError(this.describe('macros', String(err instanceof Error ? err.message : err)));
    }
  }

  /** Records a problem found inside a callback (missing var, …) and the call it came from; render then fails with it. */
  fail(message: string, call?: RegExp): string {
    this.problems.push({ message, call });
    return '';
  }

  /**
   * Notes the key order of every mapping inside `value` (a var's YAML mapping, in the order written), so
   * iterating it in this render follows that order, as Python's dicts do.
   */
  noteOrders(value: unknown): void {
    if (Array.isArray(value)) for (const v of value) this.noteOrders(v);
    else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      this.orders.note(Object.keys(value));
      for (const v of Object.values(value)) this.noteOrders(v);
    }
  }

  /** Renders `source` (from `file`, for messages) with `globals`; the project's macros are callable by name. */
  render(file: string, source: string, globals: JinjaGlobals): string {
    // Import on the first line, without a newline, so line numbers in errors stay the file's own.
    const withThis = source.replace(/\{\{(-?)\s*this\s*(-?)\}\}/g, '{{$1 this.render() $2}}');
    const rewritten = rewriteTemplate(withThis, scopeFor(this.macros, this.macros.root));
    const imports = `{% from '${LIBRARY}' import ${['edp__macros', ...rewritten.used].join(', ')} %}`;
    this.problems = [];
    this.frames.reset();
    this.orders.reset();
    const target = globals.target as { type?: unknown } | undefined;
    this.adapterType = typeof target?.type === 'string' ? target.type : 'duckdb';
    for (const [name, value] of Object.entries(globals)) this.env.addGlobal(name, value);
    let out: string;
    let where: string | undefined;
    try {
      out = this.env.renderNamedStr(file, imports + rewritten.source, {});
    } catch (err) {
      const text = String(err instanceof Error ? err.message : err);
      if (/unreachable|recursive use/.test(text)) this.reset();
      if (!this.problems.length) throw new CompileError(this.describe(file, text));
      where = this.describe(file, text);
    }
    if (this.problems.length) {
      const [first] = this.problems;
      // A problem the template then fails on natively (see dict-order-rewrite.ts) takes that error's place.
      const at = first.located && where ? /^([^:]+:\d+): /.exec(where) : null;
      if (at)
        throw new CompileError(
          `${at[1]}: ${first.message}${/ \(in a macro called from .*\)$/.exec(where!)?.[0] ?? ''}`,
        );
      throw new CompileError(`${file}:${first.call ? lineOfCall(source, first.call) : 1}: ${first.message}`);
    }
    return MacroFrames.strip(out!);
  }

  /** The functions the rewritten macros call (see packages/jinja-rewrite.ts). */
  private machinery(): JinjaGlobals {
    const frames = this.frames;
    return {
      edp__enter: () => frames.enter(),
      edp__leave: () => frames.leave(),
      edp__return: (value: unknown) => frames.setReturn(toPlainValue(value)),
      edp__ret: (output: unknown) => frames.result(output),
      edp__returned: () => frames.inReturnedMacro,
      edp__merge: (a: unknown, b: unknown) => ({ ...(toPlainValue(a) as object), ...(toPlainValue(b) as object) }),
      // A mutated dict's key order (see packages/jinja-rewrite.ts): minijinja's maps sort their keys.
      edp__keys: (d: unknown): unknown[] | 0 =>
        d instanceof Map ? this.ordered([...(d as Map<unknown, unknown>).keys()]) : [],
      edp__addkeys: (order: unknown, keys: unknown) => {
        const keysInOrder = insertionOrder(order, keys);
        this.orders.note(keysInOrder);
        return keysInOrder;
      },
      edp__okeys: (d: unknown, order: unknown) => orderedEntries(d, order).map(([k]) => k),
      edp__oitems: (d: unknown, order: unknown) => orderedEntries(d, order),
      edp__ovalues: (d: unknown, order: unknown) => orderedEntries(d, order).map(([, v]) => v),
      edp__broken: (message: unknown) => this.fail(String(message)),
      edp__note: (lists: unknown) => {
        for (const keys of Array.isArray(lists) ? (lists as unknown[]) : []) this.orders.note(keys);
        return true;
      },
      edp__order: (sorted: unknown) => this.ordered(sorted),
      edp__reordered: (sorted: unknown) => {
        const keys = this.ordered(sorted);
        return keys && Array.isArray(sorted) && sameOrder(keys, sorted) ? null : keys;
      },
      edp__sorted: (sorted: unknown) => {
        const keys = this.ordered(sorted);
        if (keys === 0) return 0;
        if (!Array.isArray(sorted) || sameOrder(keys, sorted)) return 1;
        this.problems.push({ message: orderProblem(keys, sorted), located: true });
        return 0;
      },
      edp__missing: (name: unknown) => () =>
        this.fail(`macro ${String(name)} is not defined: is its package in dbt_packages/ (run edp dbt deps)?`),
      edp__pack: (target: unknown, ...args: unknown[]) => {
        const signature = this.macros.signatures?.[String(target)];
        const { positional, kwargs } = kwargsOf(args);
        const packed = signature
          ? packArguments(signature, positional.map(toPlainValue), kwargs)
          : { error: 'has no known signature' };
        if ('args' in packed) return packed.args;
        this.fail(`macro ${String(target).replace(/^p__(.*?)__/, '$1.')} ${packed.error}`);
        return {};
      },
      edp__dispatch: (caller: unknown, ...args: unknown[]) => {
        const { positional, kwargs } = kwargsOf(args);
        const name = String(positional[0] ?? kwargs.macro_name);
        const ns =
          typeof (positional[1] ?? kwargs.macro_namespace) === 'string'
            ? String(positional[1] ?? kwargs.macro_namespace)
            : undefined;
        const found = dispatchTarget(this.macros, String(caller), this.adapterType, name, ns);
        if (found) return found;
        this.fail(
          `adapter.dispatch('${name}'${ns ? `, '${ns}'` : ''}) found no ${this.adapterType}__${name} or default__${name}`,
          /adapter\.dispatch\(/,
        );
        return 'edp__none';
      },
    };
  }

  /** The keys `sorted` (a mapping's, sorted) in insertion order; 0 (the render then fails, naming the line) when ambiguous. */
  private ordered(sorted: unknown): unknown[] | 0 {
    const keys = this.orders.order(sorted);
    if (keys !== 'ambiguous') return keys;
    this.problems.push({ message: orderProblem(keys, sorted as unknown[]), located: true });
    return 0;
  }

  private describe(file: string, text: string): string {
    const first = text.split('\n')[0].replace(/^Error:\s*/, '');
    const at = /\(in ([^:()]+):(\d+)\)/.exec(first);
    const message = first.replace(/\s*\(in [^()]*\)\s*$/, '');
    if (!at) return `${file}: ${message}`;
    if (at[1] === LIBRARY) {
      const where = this.macroLocation(Number(at[2]));
      return file === 'macros' ? `${where}: ${message}` : `${where}: ${message} (in a macro called from ${file})`;
    }
    return `${file}:${at[2]}: ${message}`;
  }

  private macroLocation(line: number): string {
    let at = this.macros.files[0];
    for (const f of this.macros.files) if (f.line <= line) at = f;
    return at ? `${at.file}:${line - at.line + 1}` : `macros:${line}`;
  }
}

/** Keys `order` followed by those of `keys` it lacks: a dict's insertion order after an `update`. */
function insertionOrder(order: unknown, keys: unknown): unknown[] {
  const known = Array.isArray(order) ? [...(order as unknown[])] : [];
  for (const k of Array.isArray(keys) ? (keys as unknown[]) : []) if (!known.includes(k)) known.push(k);
  return known;
}

/** The entries of mapping `d`, those whose key is in `order` first and in that order (insertion order), then the rest. */
function orderedEntries(d: unknown, order: unknown): Array<[unknown, unknown]> {
  if (!(d instanceof Map)) return [];
  const map = d as Map<unknown, unknown>;
  const first = (Array.isArray(order) ? (order as unknown[]) : []).filter((k) => map.has(k));
  const keys = [...first, ...[...map.keys()].filter((k) => !first.includes(k))];
  return keys.map((k) => [k, toPlainValue(map.get(k))]);
}

/** Jinja's `indent` filter (minijinja's needs the width; Python's defaults it to 4). */
function indent(value: unknown, ...args: unknown[]): string {
  const { positional, kwargs } = kwargsOf(args);
  const width = kwargs.width ?? positional[0] ?? 4;
  const first = Boolean(kwargs.first ?? positional[1] ?? false);
  const blank = Boolean(kwargs.blank ?? positional[2] ?? false);
  const pad = typeof width === 'number' ? ' '.repeat(width) : typeof width === 'string' ? width : '    ';
  const lines = (typeof value === 'string' ? value : JSON.stringify(value)).split('\n');
  return lines.map((l, i) => ((i > 0 || first) && (blank || l.trim() !== '') ? pad + l : l)).join('\n');
}

/** The first line of minijinja's complaint about a template, or undefined when it compiles. */
export function templateProblem(source: string): string | undefined {
  const env = new Environment();
  env.enablePyCompat();
  try {
    env.addTemplate('check', source);
    return undefined;
  } catch (err) {
    return String(err instanceof Error ? err.message : err).split('\n')[0];
  } finally {
    env.free();
  }
}

/** The line (1-based) of the first match of `call` in `source`, else 1. */
export function lineOfCall(source: string, call: RegExp): number {
  const at = call.exec(source)?.index ?? -1;
  return at < 0 ? 1 : source.slice(0, at).split('\n').length;
}

/** A pattern for a call `fn('a', 'b', …)` with these leading string arguments. */
export function callPattern(fn: string, ...args: string[]): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const quoted = args.map((a) => `['"]${esc(a)}['"]`).join('\\s*,\\s*');
  return new RegExp(`${esc(fn)}\\(\\s*${quoted}`);
}

/** Keyword arguments of a call from a template (minijinja passes them as a trailing Map). */
export function kwargsOf(args: unknown[]): { positional: unknown[]; kwargs: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (last instanceof Map) {
    return { positional: args.slice(0, -1), kwargs: toPlainValue(last) as Record<string, unknown> };
  }
  return { positional: args, kwargs: {} };
}

/** A template value as plain JS data (Maps become objects; columns get their methods back). */
export function toPlainValue(value: unknown): unknown {
  if (value instanceof Map) {
    const entries = [...(value as Map<string, unknown>).entries()].map(([k, v]) => [k, toPlainValue(v)] as const);
    return revived(Object.fromEntries(entries));
  }
  if (Array.isArray(value)) return value.map(toPlainValue);
  return value;
}
