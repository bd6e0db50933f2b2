import type { CellDetail } from '../api/cell';
import { count, duration, html, type Raw } from './html';

const SQL_KIND = {
  compiled: 'compiled now',
  run: 'as it last ran',
  source: 'source: it needs the warehouse to compile',
};

/** The clear + downstream form of a node: dbt vars and full refresh, confirmed before it starts. */
function clearForm(d: CellDetail): Raw {
  const n = d.downstream?.length ?? 0;
  return html`<form
    class="action"
    data-action="/api/actions/clear"
    data-confirm="Re-run ${d.label} and ${n - 1} downstream for ${d.interval}?"
  >
    <input type="hidden" name="interval" value="${d.interval}" />
    <input type="hidden" name="node" value="${d.row}" />
    <label>dbt vars (JSON) <textarea name="vars" rows="2" placeholder='{"lookback_days": 3}'></textarea></label>
    <label><input type="checkbox" name="fullRefresh" /> full refresh</label>
    <button type="submit" class="danger" data-clear>Clear + downstream (${n} nodes)</button>
    <details>
      <summary>re-runs</summary>
      <p class="small">${(d.downstream ?? []).join(', ')}</p>
    </details>
  </form>`;
}

/** The panel a grid cell opens. */
export function cellView(d: CellDetail): Raw {
  const facts: Array<[string, unknown]> = [
    ['interval', d.interval],
    ['status', d.status + (d.by === 'clear' ? ' (clear + downstream)' : '')],
    ['attempts', d.attempts],
    ['duration', duration(d.durationMs)],
    ['rows', count(d.rows)],
    ['quarantined', count(d.quarantined)],
  ];
  return html`<button class="close" data-close aria-label="close">×</button>
    <h2>${d.label}</h2>
    <span class="badge s-${d.status}" data-status="${d.status}">${d.status}</span>
    <dl>
      ${facts
        .filter(([, v]) => v !== undefined && v !== '')
        .map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${v}</dd>`,
        )}
    </dl>
    ${
      d.error
        ? html`<h3>Error</h3>
            <pre class="error" data-error>${d.error}</pre>`
        : ''
    }
    ${d.link ? html`<p><a href="${d.link}" target="_blank" rel="noopener">Open ${d.run?.workflowId} in the Temporal Web UI</a>${d.activityLink ? html` · <a href="${d.activityLink}" target="_blank" rel="noopener" data-activity-link>its runNode activity</a>` : ''}</p>` : ''}
    ${d.downstream ? clearForm(d) : ''}
    ${
      d.tests?.length
        ? html`<h3>Tests</h3>
            <table class="small">
              ${d.tests.map(
                (t) =>
                  html`<tr>
                    <td><span class="cell s-${t.status}"></span></td>
                    <td>${t.name}</td>
                    <td>${t.rows !== undefined && t.status !== 'success' ? `${t.rows} failing rows` : ''}</td>
                  </tr>`,
              )}
            </table>`
        : ''
    }
    ${
      d.sql
        ? html`<h3>
              SQL
              <span class="muted small">(${SQL_KIND[d.sql.kind]})</span>
            </h3>
            <pre class="sql">${d.sql.sql}</pre>`
        : ''
    }
    ${
      d.logLines?.length
        ? html`<h3>Worker log</h3>
            <pre class="log">${d.logLines.join('\n')}</pre>`
        : ''
    }`;
}
