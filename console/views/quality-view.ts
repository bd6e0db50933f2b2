import type { QualityData } from '../api/quality';
import { ago, count, html, type Raw, listTable } from './html';
import { linePlot } from './plots';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** The quality page: scores over time per table, the latest run's rules and quarantine counts with sample keys. */
export function qualityView(q: QualityData): Raw {
  const tables = Object.keys(q.history).sort();
  if (tables.length === 0)
    return html`<h1>Quality</h1>
      <p class="muted">No quality run yet.</p>`;
  const plot = linePlot(
    tables.map((t, i) => ({
      name: t,
      colour: COLOURS[i % COLOURS.length],
      points: q.history[t].map((p) => ({ x: Date.parse(p.at), y: p.score })),
    })),
    { width: 640, height: 160, unit: '%' },
  );
  return html`<h1>Quality</h1>
    <h2>Scores over time</h2>
    ${plot}
    <h2>Latest check of each table</h2>
    ${listTable(
      ['table', 'score', 'rows', 'invalid', 'quarantined', 'checked', 'run'],
      q.latest.map(
        (s) =>
          html`<tr data-table="${s.table}">
            <td>${s.table}</td>
            <td>${s.score.toFixed(1)}%</td>
            <td>${count(s.rows)}</td>
            <td>${count(s.invalidRows)}</td>
            <td>${count(s.quarantinedRows)}</td>
            <td>${ago(s.at)}</td>
            <td class="small muted">${s.runId}</td>
          </tr>`,
      ),
    )}
    <h2>Rules</h2>
    ${listTable(
      ['', 'table', 'rule', 'severity', 'failed rows', 'message', 'sample keys'],
      q.rules.map(
        (r) =>
          html`<tr>
            <td><span class="cell s-${r.passed ? 'success' : r.severity === 'warn' ? 'warn' : 'failed'}"></span></td>
            <td>${r.table}</td>
            <td>${r.rule} <span class="muted small">${r.ruleType}</span></td>
            <td>${r.severity}</td>
            <td>${count(r.failedRows)} of ${count(r.checkedRows)}</td>
            <td class="small">${r.message}</td>
            <td class="small keys">${r.sampleKeys.join(', ')}</td>
          </tr>`,
      ),
    )}`;
}
