import type { GridData } from '../api/grid';
import { duration, html, table, type Raw } from './html';

/** An interval's column heading: day and hour, the whole interval in its tooltip. */
const heading = (i: { start: string; end: string }): Raw =>
  html`<th class="interval" title="${i.start}/${i.end}">
    <a href="/graph?interval=${encodeURIComponent(i.start)}">${i.start.slice(5, 10)}<br />${i.start.slice(11, 16)}</a>
  </th>`;

/** The grid: one row per step and dbt node, one column per interval, each cell a button coloured by status. */
export function gridView(g: GridData): Raw {
  if (g.intervals.length === 0)
    return html`<h1>Grid</h1>
      <p class="muted">
        No run of this pipeline yet: start one on the <a href="/actions">Actions</a> page or with <code>edp run</code>.
      </p>`;
  let lastLayer: string | undefined;
  const rows = g.rows.map((r) => {
    const sep =
      r.layer && r.layer !== lastLayer
        ? html`<tr class="layer">
            <th colspan="${g.intervals.length + 1}">${r.layer}</th>
          </tr>`
        : '';
    lastLayer = r.layer ?? lastLayer;
    const cells = g.intervals.map((i) => {
      const c = g.cells[r.id]?.[i.start];
      const status = c?.status ?? 'none';
      const tip = [
        r.label,
        status,
        duration(c?.durationMs),
        c?.rows !== undefined ? `${c.rows} rows` : '',
        c?.by === 'clear' ? 'cleared' : '',
      ]
        .filter(Boolean)
        .join(' · ');
      return html`<td>
        <button
          class="cell s-${status}"
          data-cell
          data-interval="${i.start}"
          data-node="${r.id}"
          title="${tip}"
          aria-label="${tip}"
        ></button>
      </td>`;
    });
    return html`${sep}
      <tr class="row-${r.kind}">
        <th>${r.label}</th>
        ${cells}
      </tr>`;
  });
  return html`<h1>Grid</h1>
    <p class="legend">
      ${['success', 'failed', 'skipped', 'running', 'warn', 'blocked', 'none'].map((s) => html`<span class="cell s-${s}"></span> ${s} `)}
    </p>
    ${table({ className: 'grid', head: [html`<th></th>`, ...g.intervals.map(heading)], rows })}`;
}
