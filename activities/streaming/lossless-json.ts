/**
 * A JSON number literal with a fraction or exponent that no double holds exactly as written
 * (`12345678901234567.89`, `0.1000000000000000055511`): its text, which row_json keeps digit for digit as a
 * JSON string (DuckDB's JSON reader, like JSON.parse, would read the number as the nearest double; the
 * text casts to a decimal column exactly). Arithmetic and `Number()` see the nearest double.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
  valueOf(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
  /** Written as its text in quotes. */
  toJSON(): string {
    return this.text;
  }
}

/**
 * JSON values as {@link parseJsonLossless} gives them: integers beyond 2^53 are `bigint`, other numbers no
 * double holds as written are {@link ExactNumber}, exact.
 */
export type LosslessJson =
  null | boolean | number | bigint | ExactNumber | string | LosslessJson[] | { [k: string]: LosslessJson };

// A double holds every number of up to 15 significant digits and a two-digit exponent as written: only
// 16+ digits (a dot may sit among them) or a three-digit exponent may be rounded. Most texts have neither,
// and this one test is then the only cost.
const MAY_ROUND = /\d(?:\.?\d){15}|[eE][+-]?\d{3}/;

// A number literal standing alone after JSON punctuation (a string's text is never followed by `,` `}` `]`).
const NUMBER_LITERAL = /([:,[]\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]])/g;

/** A number literal's value as (significant digits, exponent): equal for equal values. */
function decimalKey(literal: string): string {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!m) return literal;
  const digits = m[1] + (m[2] ?? '');
  const lead = digits.length - digits.replace(/^0+/, '').length;
  const significant = digits.slice(lead).replace(/0+$/, '');
  if (!significant) return '0';
  const exponent = Number(m[3] ?? 0) + m[1].length - lead;
  return `${literal.startsWith('-') ? '-' : ''}${significant}e${exponent}`;
}

/** A number literal as the parser gives it: a double when it holds the value written, else exact. */
function exactNumber(literal: string): number | bigint | ExactNumber {
  const value = Number(literal);
  if (/^-?\d+$/.test(literal)) return Number.isSafeInteger(value) ? value : BigInt(literal);
  return decimalKey(String(value)) === decimalKey(literal) ? value : new ExactNumber(literal);
}
// JSON text can only write U+0000 escaped, so a marked string is told apart from every other one.
const SENTINEL = '\u0000';
const ESCAPED_SENTINEL = '"\\u0000';

/**
 * Parses JSON as `JSON.parse` does, except that an integer literal outside ±(2^53 − 1) (a PostgreSQL
 * `bigint`, a Debezium int64 or nanosecond timestamp) becomes a `bigint` holding its exact value, and a
 * literal with a fraction or exponent that the nearest double would change (`12345678901234567.89`) an
 * {@link ExactNumber} holding its text. Node 20's reviver has no source text, so such literals are
 * rewritten as marked strings for the native parser and turned back after. Throws `SyntaxError`.
 */
export function parseJsonLossless(text: string): LosslessJson {
  if (!MAY_ROUND.test(text)) return JSON.parse(text) as LosslessJson;
  // A string of the text's own that begins like a mark: the small parser reads it instead.
  if (text.includes(ESCAPED_SENTINEL)) return new Parser(text).document();
  let marked = 0;
  const rewritten = text.replace(NUMBER_LITERAL, (token, before: string, literal: string) => {
    if (typeof exactNumber(literal) === 'number') return token;
    marked++;
    return `${before}${ESCAPED_SENTINEL}${literal}"`;
  });
  try {
    const doc = JSON.parse(rewritten) as LosslessJson;
    return marked === 0 ? doc : unmark(doc);
  } catch {
    // A literal-like run inside a string was rewritten too: the inserted quote then closes that string
    // before a backslash, which no JSON allows, so it always lands here. The small parser reads the
    // original text (and throws if that is what is invalid).
    return new Parser(text).document();
  }
}

/** The parsed document with its marked strings turned back into `bigint` or {@link ExactNumber}. */
function unmark(v: LosslessJson): LosslessJson {
  if (typeof v === 'string') return v.startsWith(SENTINEL) ? exactNumber(v.slice(1)) : v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = unmark(v[i]);
  } else if (v !== null && typeof v === 'object' && !(v instanceof ExactNumber)) {
    for (const k of Object.keys(v)) v[k] = unmark(v[k]);
  }
  return v;
}

/**
 * JSON text of a value {@link parseJsonLossless} gave: a `bigint` is written as its integer literal, an
 * {@link ExactNumber} as its literal in quotes.
 */
export function stringifyLossless(value: unknown): string {
  try {
    // The native writer gives the same text for every value without a bigint, many times faster; it
    // refuses a bigint with a TypeError, and only then is the value written field by field.
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return stringifyWithBigInts(value);
  }
}

/** {@link stringifyLossless} of a value holding a `bigint` somewhere. */
function stringifyWithBigInts(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof ExactNumber) return JSON.stringify(value.text);
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : stringifyWithBigInts(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${stringifyWithBigInts(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// Control characters are left to JSON.parse, which reads each string matched here and refuses them.
const STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/y;
const SPACE = /[ \t\n\r]*/y;

/** A recursive-descent JSON parser over one text; strings are read by JSON.parse, so escapes decode exactly as it does. */
class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  document(): LosslessJson {
    const v = this.value();
    this.space();
    if (this.at < this.text.length) this.fail('unexpected text after the JSON value');
    return v;
  }

  private fail(what: string): never {
    throw new SyntaxError(`${what} in JSON at position ${this.at}`);
  }

  private space(): void {
    SPACE.lastIndex = this.at;
    SPACE.exec(this.text);
    this.at = SPACE.lastIndex;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.at;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.at = re.lastIndex;
    return m[0];
  }

  private literal(word: string, value: LosslessJson): LosslessJson {
    if (!this.text.startsWith(word, this.at)) this.fail('unexpected token');
    this.at += word.length;
    return value;
  }

  private value(): LosslessJson {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    const n = this.match(NUMBER);
    if (n === undefined) this.fail(c === undefined ? 'unexpected end' : 'unexpected token');
    return exactNumber(n);
  }

  private string(): string {
    const s = this.match(STRING);
    if (s === undefined) this.fail('bad string');
    return JSON.parse(s) as string;
  }

  private expect(c: string): void {
    this.space();
    if (this.text[this.at] !== c) this.fail(`expected '${c}'`);
    this.at++;
  }

  private array(): LosslessJson[] {
    this.at++;
    const out: LosslessJson[] = [];
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      if (this.text[this.at] === ']') break;
      this.expect(',');
    }
    this.at++;
    return out;
  }

  private object(): { [k: string]: LosslessJson } {
    this.at++;
    const out: { [k: string]: LosslessJson } = {};
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('expected a property name');
      const key = this.string();
      this.expect(':');
      // As JSON.parse: a repeated name keeps the last value; defineProperty keeps `__proto__` a plain key.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.space();
      if (this.text[this.at] === '}') break;
      this.expect(',');
    }
    this.at++;
    return out;
  }
}
