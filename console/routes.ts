import { actionsView } from './views/actions-view';
import { cellDetail } from './api/cell';
import { cellView } from './views/cell-view';
import type { ConsoleContext } from './context';
import { graphData } from './api/graph';
import { graphView } from './views/graph-view';
import { gridData } from './api/grid';
import { gridView } from './views/grid-view';
import type { Raw } from './views/html';
import { lineageData } from './api/lineage';
import { lineageView } from './views/lineage-view';
import { qualityData } from './api/quality';
import { qualityView } from './views/quality-view';
import { streamingData } from './api/streaming';
import { streamingView } from './views/streaming-view';

/** A page: its title, the data behind it (also served as JSON under `/api`), and how it renders. */
export interface PageRoute<T = unknown> {
  title: string;
  /** Refreshes itself while open (what is running changes). */
  live: boolean;
  data(ctx: ConsoleContext, params: URLSearchParams): Promise<T>;
  view(data: T, ctx: ConsoleContext): Raw;
}

const route = <T>(r: PageRoute<T>): PageRoute => r;

/** The console's pages by path; `/api<path>` serves each one's data as JSON. */
export const PAGE_ROUTES: Record<string, PageRoute> = {
  '/': route({ title: 'Grid', live: true, data: (ctx) => gridData(ctx), view: gridView }),
  '/graph': route({
    title: 'Graph',
    live: true,
    data: (ctx, p) => graphData(ctx, p.get('interval') ?? undefined),
    view: graphView,
  }),
  '/lineage': route({ title: 'Lineage', live: false, data: lineageData, view: lineageView }),
  '/quality': route({ title: 'Quality', live: true, data: (ctx) => qualityData(ctx), view: qualityView }),
  '/streaming': route({ title: 'Streaming', live: true, data: (ctx) => streamingData(ctx), view: streamingView }),
  '/actions': route({
    title: 'Actions',
    live: true,
    data: (ctx) => Promise.resolve(ctx.actions.recent()),
    view: (log, ctx) => actionsView(log, ctx.config.pipeline.intervalHours),
  }),
  '/cell': route({
    title: 'Cell',
    live: false,
    data: (ctx, p) => cellDetail(ctx, p.get('interval') ?? '', p.get('node') ?? ''),
    view: (d) => cellView(d!),
  }),
};
