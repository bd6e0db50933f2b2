const MARK = '\uE000F';
const MARKS = /\uE000F\d+\uE000/g;

/**
 * dbt's `return(value)` for minijinja, whose macros can only return their text: each rewritten macro
 * starts by printing a mark naming its frame; `return()` stores the value in the innermost frame, and the
 * call wrapper finds the frame by the mark at the start of the macro's text and hands back the value.
 */
export class MacroFrames {
  private next = 0;
  private readonly stack: number[] = [];
  private readonly returned = new Map<number, unknown>();

  /** Forgets every frame (before each render). */
  reset(): void {
    this.next = 0;
    this.stack.length = 0;
    this.returned.clear();
  }

  /** A macro starts: its frame's mark, printed first. */
  enter(): string {
    const id = this.next++;
    this.stack.push(id);
    return `${MARK}${id}\uE000`;
  }

  /** A macro's body ends. */
  leave(): string {
    this.stack.pop();
    return '';
  }

  /** `return(value)`: the innermost macro's value; the first return wins, as dbt stops at it. */
  setReturn(value: unknown): string {
    const id = this.stack[this.stack.length - 1];
    if (id !== undefined && !this.returned.has(id)) this.returned.set(id, value === undefined ? null : value);
    return '';
  }

  /** True while the innermost macro has returned (what follows its `return()` must have no effect). */
  get inReturnedMacro(): boolean {
    const id = this.stack[this.stack.length - 1];
    return id !== undefined && this.returned.has(id);
  }

  /** What a call evaluates to: the returned value, else the macro's text without its mark. */
  result(output: unknown): unknown {
    const text =
      typeof output === 'string' ? output : output === undefined || output === null ? '' : JSON.stringify(output);
    const m = /^\uE000F(\d+)\uE000/.exec(text);
    if (m && this.returned.has(Number(m[1]))) return this.returned.get(Number(m[1]));
    return MacroFrames.strip(text);
  }

  /** Text without frame marks. */
  static strip(text: string): string {
    return text.replace(MARKS, '');
  }
}
