import type { GraphData } from '../api/graph';
import { dagSvg } from './dag-svg';
import { count, duration, html, type Raw } from './html';

/** The graph page: the interval picker, the pipeline's steps in order, then the dbt DAG with live status. */
export function graphView(g: GraphData): Raw {
  if (!g.interval)
    return html`<h1>Graph</h1>
      <p class="muted">No run yet.</p>`;
  const picker = html`<form class="inline" method="get" action="/graph">
    <label
      >interval
      <select name="interval" data-autosubmit>
        ${[...g.intervals]
          .reverse()
          .map((i) => html`<option value="${i}" ${i === g.interval?.start ? 'selected' : ''}>${i}</option>`)}
      </select></label
    >
  </form>`;
  const steps = g.steps.map(
    (s) =>
      html`<div
        class="step s-${s.status}"
        data-step="${s.step}"
        data-status="${s.status}"
        data-cell
        data-interval="${g.interval?.start}"
        data-node="step:${s.step}"
      >
        <b>${s.step}</b><br /><span class="sub">${s.status} ${duration(s.durationMs)}</span>
      </div>`,
  );
  const svg = dagSvg(
    g.layout,
    g.nodes.map((n) => ({
      id: n.id,
      title: n.name,
      status: n.status,
      subtitle: [
        duration(n.durationMs),
        n.rows !== undefined ? `${count(n.rows)} rows` : '',
        n.failedTests ? `${n.failedTests} tests failed` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      data: { cell: '', interval: g.interval!.start },
    })),
  );
  return html`<h1>
      Graph <span class="muted small">${g.interval.start} → ${g.interval.end} · ${g.pipeline?.status ?? ''}</span>
    </h1>
    ${picker}
    <div class="steps">${steps}</div>
    <div class="scroll">${svg}</div>`;
}
