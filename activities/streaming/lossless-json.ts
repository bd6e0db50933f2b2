/** JSON values as {@link parseJsonLossless} gives them: integers beyond 2^53 are `bigint`, exact. */
export type LosslessJson = null | boolean | number | bigint | string | LosslessJson[] | { [k: string]: LosslessJson };

// A run of 16+ digits is the only way to write an integer beyond 2^53 (9007199254740991 has 16 digits).
const LONG_DIGITS = /\d{16,}/g;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// The same run, tested once: most texts have none, and the scan for them is then the only cost.
const ANY_LONG_DIGITS = /\d{16}/;

/** Whether the text holds a digit run that may be an integer JSON.parse would round. */
function mayHoldBigInteger(text: string): boolean {
  if (!ANY_LONG_DIGITS.test(text)) return false;
  for (const m of text.matchAll(LONG_DIGITS)) if (BigInt(m[0]) > MAX_SAFE) return true;
  return false;
}

// An integer literal of 16+ digits standing alone after JSON punctuation (not a number's fraction or exponent).
const BIG_LITERAL = /([:,[]\s*)(-?\d{16,})(?=\s*[,}\]])/g;
// JSON text can only write U+0000 escaped, so a marked string is told apart from every other one.
const SENTINEL = '\u0000';
const ESCAPED_SENTINEL = '"\\u0000';

/**
 * Parses JSON as `JSON.parse` does, except that an integer literal outside ±(2^53 − 1) (a PostgreSQL
 * `bigint`, a Debezium int64 or nanosecond timestamp) becomes a `bigint` holding its exact value
 * instead of the nearest double. Node 20's reviver has no source text, so such literals are rewritten
 * as marked strings for the native parser and turned back into `bigint` after. Throws `SyntaxError`.
 */
export function parseJsonLossless(text: string): LosslessJson {
  if (!mayHoldBigInteger(text)) return JSON.parse(text) as LosslessJson;
  // A string of the text's own that begins like a mark: the small parser reads it instead.
  if (text.includes(ESCAPED_SENTINEL)) return new Parser(text).document();
  let marked = 0;
  const rewritten = text.replace(BIG_LITERAL, (token, before: string, digits: string) => {
    if (BigInt(digits) >= -MAX_SAFE && BigInt(digits) <= MAX_SAFE) return token;
    marked++;
    return `${before}${ESCAPED_SENTINEL}${digits}"`;
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

/** The parsed document with its marked strings turned back into `bigint`. */
function unmark(v: LosslessJson): LosslessJson {
  if (typeof v === 'string') return v.startsWith(SENTINEL) ? BigInt(v.slice(1)) : v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = unmark(v[i]);
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) v[k] = unmark(v[k]);
  }
  return v;
}

/** JSON text of a value {@link parseJsonLossless} gave: a `bigint` is written as its integer literal. */
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
    const value = Number(n);
    return Number.isSafeInteger(value) || !/^-?\d+$/.test(n) ? value : BigInt(n);
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
