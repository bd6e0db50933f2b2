import { matching, nextSolid, prevSolid, splitTemplate, tokenize, type Token } from './jinja-tokens';

/**
 * What a macro accepts: its declared parameters, and whether its body reads `varargs` / `kwargs`, where
 * Python Jinja collects a call's extra positional / keyword arguments (minijinja refuses them).
 */
export interface MacroSignature {
  params: string[];
  varargs?: true;
  kwargs?: true;
}

/** A macro (or `test`, named `test_<name>`) defined in a file, with its signature. */
export interface DefinedMacro {
  name: string;
  signature: MacroSignature;
}

const CATCHERS = new Set(['varargs', 'kwargs']);

/** The macros a template file defines, each with its signature. */
export function macroSignatures(text: string): DefinedMacro[] {
  const found: DefinedMacro[] = [];
  let current: (DefinedMacro & { assigned: Set<string> }) | undefined;
  for (const part of splitTemplate(text)) {
    if (part.kind !== 'stmt' && part.kind !== 'expr') continue;
    const tokens = tokenize(part.code);
    const first = nextSolid(tokens, 0);
    const keyword = first >= 0 ? tokens[first].text : '';
    if (part.kind === 'stmt' && (keyword === 'macro' || keyword === 'test')) {
      const nameAt = nextSolid(tokens, first + 1);
      const open = nextSolid(tokens, nameAt + 1);
      if (nameAt < 0 || open < 0 || tokens[open].text !== '(') continue;
      const name = keyword === 'test' ? `test_${tokens[nameAt].text}` : tokens[nameAt].text;
      current = { name, signature: { params: paramNames(tokens, open) }, assigned: new Set() };
      found.push({ name, signature: current.signature });
      continue;
    }
    if (part.kind === 'stmt' && (keyword === 'endmacro' || keyword === 'endtest')) {
      current = undefined;
      continue;
    }
    if (current) catchesIn(tokens, current);
  }
  return found;
}

/** True when a call with extra arguments must have them collected for this macro. */
export const isVariadic = (s: MacroSignature | undefined): boolean => Boolean(s?.varargs || s?.kwargs);

/** The names declared between the parentheses at `open`: the first name of each top-level item. */
function paramNames(tokens: readonly Token[], open: number): string[] {
  const close = matching(tokens, open);
  const names: string[] = [];
  let depth = 0;
  let expectName = true;
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i];
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
    else if (depth === 0 && t.text === ',') expectName = true;
    else if (depth === 0 && expectName && t.kind === 'ident') {
      names.push(t.text);
      expectName = false;
    }
  }
  return names;
}

/**
 * Marks `varargs` / `kwargs` read in these tokens: as a name, not an attribute, neither declared nor
 * assigned (`{% set kwargs = … %}`) before, as Python Jinja decides.
 */
function catchesIn(tokens: readonly Token[], macro: { signature: MacroSignature; assigned: Set<string> }): void {
  const { signature, assigned } = macro;
  tokens.forEach((t, i) => {
    if (t.kind !== 'ident' || !CATCHERS.has(t.text) || signature.params.includes(t.text)) return;
    const prev = tokens[prevSolid(tokens, i)]?.text;
    if (prev === '.' || assigned.has(t.text)) return;
    if (prev === 'set') assigned.add(t.text);
    else if (t.text === 'varargs') signature.varargs = true;
    else signature.kwargs = true;
  });
}

/**
 * A call's arguments as keyword arguments of a macro with this signature, as Python Jinja binds them:
 * positional ones to the declared parameters in order, the rest into `varargs`; keywords not declared
 * into `kwargs`. An argument the macro cannot take is an error, as in dbt.
 */
export function packArguments(
  signature: MacroSignature,
  positional: readonly unknown[],
  keywords: Readonly<Record<string, unknown>>,
): { args: Record<string, unknown> } | { error: string } {
  const { params } = signature;
  const args: Record<string, unknown> = {};
  positional.slice(0, params.length).forEach((v, i) => (args[params[i]] = v ?? null));
  const extra = positional.slice(params.length);
  if (extra.length && !signature.varargs) {
    return { error: `takes ${params.length} positional arguments but ${positional.length} were given` };
  }
  if (signature.varargs) args.varargs = extra.map((v) => v ?? null);
  const caught: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(keywords)) {
    if (!params.includes(k)) caught[k] = v ?? null;
    else if (k in args) return { error: `got multiple values for argument '${k}'` };
    else args[k] = v ?? null;
  }
  if (Object.keys(caught).length && !signature.kwargs) {
    return { error: `got an unexpected keyword argument '${Object.keys(caught)[0]}'` };
  }
  if (signature.kwargs) args.kwargs = caught;
  return { args };
}
