import type { LineageData } from '../api/lineage';
import { dagSvg } from './dag-svg';
import { ago, count, html, type Raw } from './html';

/** The lineage page: every dataset from landing to Delta with freshness, rows and quality score. */
export function lineageView(l: LineageData): Raw {
  const svg = dagSvg(
    l.layout,
    l.nodes.map((n) => ({
      id: n.id,
      title: n.label,
      status: `k-${n.kind}`,
      subtitle: [
        ago(n.freshAt),
        n.rows !== undefined && n.rows !== null ? `${count(n.rows)} rows` : '',
        n.score !== undefined && n.score !== null ? `quality ${n.score.toFixed(1)}%` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      data: { kind: n.kind, upstream: n.upstream.join(' ') },
    })),
  );
  return html`<h1>Lineage</h1>
    <p class="muted">
      landing entities, SQL sources and topics → raw → staging → intermediate → marts → Delta exports; metadata only
      (when it changed, how many rows, its latest quality score).
    </p>
    <div class="scroll">${svg}</div>`;
}
