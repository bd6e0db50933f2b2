import { html, type Raw } from './html';

/** The console's pages, in the order the navigation lists them. */
export const PAGES = [
  { path: '/', title: 'Grid' },
  { path: '/graph', title: 'Graph' },
  { path: '/lineage', title: 'Lineage' },
  { path: '/quality', title: 'Quality' },
  { path: '/streaming', title: 'Streaming' },
  { path: '/actions', title: 'Actions' },
] as const;

/** A whole page: navigation, the body (refreshed from `refreshUrl` every `refreshSeconds`), a details panel. */
export function page(o: {
  title: string;
  path: string;
  pipeline: string;
  user: string;
  body: Raw;
  refreshUrl?: string;
  refreshSeconds: number;
}): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · EDP console</title>
        <link rel="stylesheet" href="/static/console.css" />
        <script src="/static/console.js" defer></script>
      </head>
      <body>
        <header>
          <strong>EDP</strong> <span class="muted">pipeline ${o.pipeline}</span>
          <nav>
            ${PAGES.map((p) => html`<a href="${p.path}" class="${p.path === o.path ? 'active' : ''}">${p.title}</a>`)}
          </nav>
          <span class="user muted">${o.user}</span>
        </header>
        <div id="flash" role="status"></div>
        <div class="layout">
          <main ${o.refreshUrl ? html`data-refresh="${o.refreshUrl}" data-every="${o.refreshSeconds}"` : ''}>
            ${o.body}
          </main>
          <aside id="details" hidden></aside>
        </div>
      </body>
    </html> `.text;
}
