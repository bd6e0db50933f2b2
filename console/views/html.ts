/** Markup that is already escaped: {@link html} inserts it as is. */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Text safe inside HTML and attribute values. */
export function esc(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
        ? String(value)
        : value === null || value === undefined
          ? ''
          : JSON.stringify(value);
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const part = (v: unknown): string =>
  v instanceof Raw ? v.text : Array.isArray(v) ? v.map(part).join('') : v === undefined || v === null ? '' : esc(v);

/** A template tag that escapes every value it interpolates except {@link Raw} markup (and arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  return new Raw(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ''), ''));
}

/** A duration for people: 850 ms, 12.3 s, 4 min 5 s. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A count with thousands separators; blank when unknown. */
export const count = (n: number | null | undefined): string =>
  n === null || n === undefined ? '' : n.toLocaleString('en-US');

/** How long ago an ISO instant was, e.g. `5 min ago`. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** A table: its class, the heading row's cells and the body's rows. */
export function table(o: { className: string; head: Raw | Raw[]; rows: readonly Raw[]; id?: string }): Raw {
  return html`<table class="${o.className}" ${o.id ? html`id="${o.id}"` : ''}>
    <thead>
      <tr>
        ${o.head}
      </tr>
    </thead>
    <tbody>
      ${o.rows}
    </tbody>
  </table>`;
}

/** A list table: its column headings and one row of cells per item. */
export function listTable(headings: readonly string[], rows: readonly Raw[], id?: string): Raw {
  return table({ className: 'list', head: headings.map((h) => html`<th>${h}</th>`), rows, id });
}
