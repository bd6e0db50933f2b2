import type { ActionRecord } from '../action-log';
import { html, type Raw, listTable } from './html';

/** The actions page: forms that start work through Temporal, and who did what when. */
export function actionsView(log: readonly ActionRecord[], intervalHours: number): Raw {
  return html`<h1>Actions</h1>
    <div class="forms">
      <form class="action" data-action="/api/actions/run" data-confirm="Run this interval?">
        <h3>Run an interval</h3>
        <label>interval start <input name="interval" placeholder="2026-07-01T00:00:00Z" required /></label>
        <span class="muted small">(${intervalHours}-hour intervals)</span> <button type="submit">Run</button>
      </form>
      <form class="action" data-action="/api/actions/backfill" data-confirm="Start the backfill?">
        <h3>Backfill a range</h3>
        <label>from <input name="from" required /></label> <label>to <input name="to" required /></label>
        <label
          >runs
          <select name="mode">
            <option value="missing">missing</option>
            <option value="failed">missing and failed</option>
            <option value="all">all</option>
          </select></label
        >
        <button type="submit">Backfill</button>
      </form>
      <form
        class="action"
        data-action="/api/actions/rerun-failed"
        data-confirm="Re-run every failed interval on the grid?"
      >
        <h3>Re-run failed</h3>
        <button type="submit">Re-run failed intervals</button>
      </form>
      <form class="action" data-action="/api/actions/pause" data-confirm="Pause the schedule?">
        <h3>Schedule</h3>
        <label>note <input name="note" /></label> <button type="submit">Pause</button>
      </form>
      <form class="action" data-action="/api/actions/unpause" data-confirm="Unpause the schedule?">
        <button type="submit">Unpause</button>
      </form>
      <form class="action" data-action="/api/actions/retry-dead-letters" data-confirm="Retry every open dead letter?">
        <h3>Dead letters</h3>
        <button type="submit">Retry dead letters</button>
      </form>
    </div>
    <p class="muted small">
      Clear + downstream (with dbt vars and full refresh) is on each model's cell in the <a href="/">Grid</a>.
    </p>
    <h2>Recent actions</h2>
    ${listTable(
      ['when', 'who', 'action', 'on', 'started'],
      log.map(
        (a) =>
          html`<tr class="${a.error ? 'failed' : ''}">
            <td>${a.at}</td>
            <td>${a.user}</td>
            <td>${a.action}</td>
            <td class="small">${a.target}</td>
            <td class="small">${a.error ?? a.started.join(', ')}</td>
          </tr>`,
      ),
      'action-log',
    )}`;
}
