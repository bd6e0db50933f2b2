import { tokenize, type TemplatePart } from './jinja-tokens';

/**
 * Printing values as dbt's Jinja (Python) does: `{{ x }}` of a boolean gives `True` / `False` and of none
 * `None`, where minijinja prints `true`, `false`, `none` — text that differs inside a string literal
 * (`'{{ var("flag") }}'`) or a Python-reading macro. Everything else prints as minijinja prints it.
 */

/** `x` (a name: evaluated several times) as Python prints it; `other` is what prints for any other value. */
export const pythonPrinted = (x: string, other = x): string =>
  `(('True' if ${x} else 'False') if ${x} is boolean else ('None' if ${x} is none else ${other}))`;

/** A lone string literal, or a call that gives text (`ref`, `source`, `config`): prints as it is. */
const TEXT = /^\s*(?:'[^'\\]*'|"[^"\\]*"|(?:ref|source|config)\s*\([^()]*\))\s*$/;

/** True when every bracket of `code` closes (else it is left as written, so its syntax error reads as written). */
function balanced(code: string): boolean {
  let depth = 0;
  for (const t of tokenize(code)) {
    if (t.kind !== 'punct') continue;
    if ('([{'.includes(t.text)) depth++;
    else if (')]}'.includes(t.text) && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * `{{ expr }}` (`code`: rewritten) printed as Python prints it: the value is set to a variable first (`n`
 * names it), so the expression runs once. Undefined for text (see TEXT) or unbalanced brackets.
 */
export function pythonPrint(part: TemplatePart, code: string, n: number): string | undefined {
  if (TEXT.test(code) || !balanced(code)) return undefined;
  const x = `edp__p${n}`;
  return `${part.open.replace('{{', '{%')} set ${x} = ${code} %}{{ ${pythonPrinted(x)} ${part.close}`;
}
