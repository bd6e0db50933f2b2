import type { LaidOutGraph } from '../layout';
import { html, type Raw } from './html';

/** A node as the SVG draws it: its box's text and status class. */
export interface DrawnNode {
  id: string;
  title: string;
  subtitle: string;
  status: string;
  /** Extra attributes for tests and scripts, e.g. `data-upstream`. */
  data?: Record<string, string>;
}

/** A laid-out DAG as inline SVG: boxes coloured by status, orthogonal edges with arrowheads. */
export function dagSvg(layout: LaidOutGraph, nodes: readonly DrawnNode[]): Raw {
  const edges = layout.edges.map((e) => {
    const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    return html`<path class="edge" d="${d}" marker-end="url(#arrow)" data-from="${e.source}" data-to="${e.target}" />`;
  });
  const boxes = nodes.map((n) => {
    const b = layout.boxes[n.id];
    if (!b) return '';
    const data = Object.entries(n.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
    return html`<g
      class="node s-${n.status}"
      data-node="${n.id}"
      data-status="${n.status}"
      ${data}
      transform="translate(${b.x},${b.y})"
    >
      <title>${n.title} · ${n.status} ${n.subtitle}</title>
      <rect width="${b.width}" height="${b.height}" rx="6" />
      <text x="8" y="18" class="name">${n.title.length > 26 ? `${n.title.slice(0, 25)}…` : n.title}</text>
      <text x="8" y="36" class="sub">${n.subtitle}</text>
    </g>`;
  });
  return html`<svg
    class="dag"
    width="${layout.width}"
    height="${layout.height}"
    viewBox="0 0 ${layout.width} ${layout.height}"
  >
    <defs>
      <marker
        id="arrow"
        viewBox="0 0 10 10"
        refX="9"
        refY="5"
        markerWidth="7"
        markerHeight="7"
        orient="auto-start-reverse"
      >
        <path d="M0,0 L10,5 L0,10 z" fill="#888" />
      </marker>
    </defs>
    ${edges}${boxes}
  </svg>`;
}
