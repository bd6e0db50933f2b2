import { Environment } from 'minijinja-js';
import { ProjectError } from '../../lib/errors';

/** Raised for a template that does not render; the message starts with `file:line:`. */
export class CompileError extends ProjectError {}

/** The project's macros: every `{% macro %}` (and `{% test %}`, as `test_<name>`) in one library template. */
export interface MacroLibrary {
  /** All macro files, concatenated, with `{% test x %}` blocks rewritten to `{% macro test_x %}`. */
  source: string;
  /** Macro names the library defines. */
  names: string[];
  /** Where each file starts in `source`: first line (1-based) and the file. */
  files: Array<{ file: string; line: number }>;
}

const MACRO_NAME = /\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

/** Builds the macro library from `[file, text]` pairs (macro-paths and generic tests). */
export function macroLibrary(files: ReadonlyArray<readonly [file: string, text: string]>): MacroLibrary {
  const parts: string[] = [];
  const starts: MacroLibrary['files'] = [];
  let line = 1;
  for (const [file, text] of files) {
    const body = text
      .replace(/\{%(-?)\s*test\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g, '{%$1 macro test_$2(')
      .replace(/\{%(-?)\s*endtest\s*(-?)%\}/g, '{%$1 endmacro $2%}');
    starts.push({ file, line });
    parts.push(body);
    line += body.split('\n').length;
  }
  const source = parts.join('\n');
  const names = [...new Set([...source.matchAll(MACRO_NAME)].map((m) => m[1]))];
  return { source, names, files: starts };
}

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
  private problems: Array<{ message: string; call?: RegExp }> = [];

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

  /** Renders `source` (from `file`, for messages) with `globals`; the project's macros are callable by name. */
  render(file: string, source: string, globals: JinjaGlobals): string {
    // Import on the first line, without a newline, so line numbers in errors stay the file's own.
    const names = this.macros.names;
    const imports = names.length ? `{% from '${LIBRARY}' import ${names.join(', ')} %}` : '';
    const template = imports + source.replace(/\{\{(-?)\s*this\s*(-?)\}\}/g, '{{$1 this.render() $2}}');
    this.problems = [];
    for (const [name, value] of Object.entries(globals)) this.env.addGlobal(name, value);
    let out: string;
    try {
      out = this.env.renderNamedStr(file, template, {});
    } catch (err) {
      const text = String(err instanceof Error ? err.message : err);
      if (/unreachable|recursive use/.test(text)) this.reset();
      throw new CompileError(this.describe(file, text));
    }
    if (this.problems.length) {
      const [first] = this.problems;
      throw new CompileError(`${file}:${first.call ? lineOfCall(source, first.call) : 1}: ${first.message}`);
    }
    return out;
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

/** A template value as plain JSON data (Maps become objects). */
export function toPlainValue(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [k, toPlainValue(v)]));
  if (Array.isArray(value)) return value.map(toPlainValue);
  return value;
}
