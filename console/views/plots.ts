import { esc, html, Raw } from './html';

/** One line of a plot: its name, colour and points (x as epoch ms). */
export interface Series {
  name: string;
  colour: string;
  points: Array<{ x: number; y: number }>;
}

/**
 * A small inline SVG line plot of one or more series over time, with its y range and legend; enough to see a
 * trend at a glance, not a charting library.
 */
export function linePlot(series: readonly Series[], o: { width?: number; height?: number; unit?: string } = {}): Raw {
  const width = o.width ?? 420;
  const height = o.height ?? 120;
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return html`<p class="muted">no measurements yet</p>`;
  const [x0, x1] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
  const y1 = Math.max(...pts.map((p) => p.y), 1);
  const unit = o.unit ? ` ${o.unit}` : '';
  const top = `${y1.toLocaleString('en-US')}${unit}`;
  // Room on the left for the largest value's label (about 6.5 px a character at the axis font size).
  const pad = { l: Math.max(44, Math.ceil(top.length * 6.5) + 8), r: 8, t: 8, b: 18 };
  const sx = (x: number) => pad.l + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - (y / y1) * (height - pad.t - pad.b);
  const lines = series.map((s) => {
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    const dots =
      s.points.length === 1
        ? `<circle cx="${sx(s.points[0].x)}" cy="${sy(s.points[0].y)}" r="3" fill="${esc(s.colour)}"/>`
        : '';
    return `<path d="${d}" fill="none" stroke="${esc(s.colour)}" stroke-width="1.6"/>${dots}`;
  });
  // Seconds matter when the plot spans minutes (a stream's monitor), not when it spans days.
  const time = (ms: number) =>
    new Date(ms)
      .toISOString()
      .slice(5, x1 - x0 < 2 * 3600_000 ? 19 : 16)
      .replace('T', ' ');
  return html`<figure class="plot">
    <svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">
      <line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#bbb" />
      <line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#bbb" />
      <text x="${pad.l - 4}" y="${pad.t + 8}" text-anchor="end" class="axis">${top}</text>
      <text x="${pad.l - 4}" y="${height - pad.b}" text-anchor="end" class="axis">0</text>
      <text x="${pad.l}" y="${height - 4}" class="axis">${time(x0)}</text>
      <text x="${width - pad.r}" y="${height - 4}" text-anchor="end" class="axis">${time(x1)}</text>
      ${new Raw(lines.join(''))}
    </svg>
    <figcaption>${series.map((s) => html`<span class="key" style="color:${s.colour}">■</span> ${s.name} `)}</figcaption>
  </figure>`;
}
