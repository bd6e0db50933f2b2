import type { StreamingData } from '../api/streaming';
import { ago, count, html, type Raw, listTable } from './html';
import { linePlot } from './plots';

/** The streaming page: per topic, lag in messages and latency percentiles over time; then dead letters. */
export function streamingView(s: StreamingData): Raw {
  const topics = Object.entries(s.topics).map(([topic, t]) => {
    const last = t.points.at(-1);
    const series = (key: 'p50' | 'p95' | 'p99', colour: string) => ({
      name: key,
      colour,
      points: t.points.filter((p) => p[key] !== null).map((p) => ({ x: Date.parse(p.at), y: p[key]! })),
    });
    return html`<section class="topic" data-topic="${topic}">
      <h2>${topic}</h2>
      <p>
        lag now <b>${count(last?.lagMessages ?? null)}</b> messages · last merged into staging
        <b>${ago(t.lastMergedAt)}</b> · p99 latency <b>${count(last?.p99 ?? null)}</b> ms
      </p>
      <div class="plots">
        ${linePlot([{ name: 'lag (messages)', colour: '#d62728', points: t.points.map((p) => ({ x: Date.parse(p.at), y: p.lagMessages })) }])}
        ${linePlot([series('p50', '#2ca02c'), series('p95', '#ff7f0e'), series('p99', '#d62728')], { unit: 'ms' })}
      </div>
    </section>`;
  });
  return html`<h1>Streaming</h1>
    ${topics.length ? topics : html`<p class="muted">No topics configured.</p>`}
    <h2>Dead letters <span class="badge" data-dead-letters="${s.deadLetters.length}">${s.deadLetters.length}</span></h2>
    ${
      s.deadLetters.length
        ? html`${listTable(
              ['failed', 'interval', 'step', 'error'],
              s.deadLetters.slice(0, 20).map(
                (l) =>
                  html`<tr>
                    <td>${l.failedAt}</td>
                    <td>${l.intervalStart}</td>
                    <td>${l.step}</td>
                    <td class="small">${l.error.slice(0, 300)}</td>
                  </tr>`,
              ),
            )}
            <form
              class="action"
              data-action="/api/actions/retry-dead-letters"
              data-confirm="Retry every open dead letter?"
            >
              <button type="submit">Retry dead letters</button>
            </form>`
        : html`<p class="muted">none</p>`
    }`;
}
