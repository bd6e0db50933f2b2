import { ApplicationFailure } from '@temporalio/common';
import { classified, ErrorType } from '../errors';
import { ensureAudit } from '../audit';
import { ensureSchema, tableRef } from '../warehouse';
import { curationOrder } from './curation-order';
import { fallbackViews } from './fallback-sql';
import { refreshCurationTable } from './refresh-curation-table';
import type { RealtimeDeps } from './realtime-deps';
import { isSelfRefreshing, refreshStates, type RefreshState } from './realtime-refresh-state';
import {
  CONSUMPTION,
  CURATION,
  consumptionViews,
  curationSelect,
  curationTable,
  hasIntegration,
  INTEGRATION,
  integrationSelect,
  integrationView,
  targetLagOf,
} from './realtime-sql';

/** What `deployRealtime` created. */
export interface RealtimeDeployResult {
  views: string[];
  tables: string[];
  /** True where the engine refreshes the curation tables itself (Snowflake dynamic tables). */
  selfRefreshing: boolean;
}

/**
 * Creates (or replaces) the integration views, the curation tables (Snowflake: dynamic tables with
 * the target lag; elsewhere tables filled by a first refresh), the consumption views and the fallback views.
 */
export async function deployRealtime(deps: RealtimeDeps): Promise<RealtimeDeployResult> {
  const w = deps.warehouse;
  const d = w.dialect;
  const config = deps.realtime;
  const selfRefreshing = isSelfRefreshing(w);
  return classified('deploying the near-real-time objects', async () => {
    for (const schema of [INTEGRATION, CURATION, CONSUMPTION]) await ensureSchema(w, schema);
    const computeWarehouse = config.warehouse ?? deps.defaultComputeWarehouse;
    if (selfRefreshing && config.tables.length > 0 && !computeWarehouse) {
      throw ApplicationFailure.nonRetryable(
        'realtime.warehouse is not set (nor warehouse.snowflake.warehouse): dynamic tables need a warehouse to refresh on',
        ErrorType.BadInput,
      );
    }
    const last = selfRefreshing ? new Map<string, RefreshState>() : await refreshStates(w);
    // Upstream first: a downstream table's query (or Snowflake's dynamic table) reads the tables before it.
    for (const { table: t, index: i } of curationOrder(config)) {
      if (hasIntegration(t))
        await w.execute(`CREATE OR REPLACE VIEW ${d.table(integrationView(t))} AS ${integrationSelect(d, t)}`);
      const select = curationSelect(d, t, i);
      if (selfRefreshing) {
        // Dynamic tables read by a downstream one track their changes themselves; only base tables are set.
        const sources = hasIntegration(t) ? [tableRef(t.history.table), tableRef(t.changes.table)] : [];
        for (const sql of d.selfRefreshingTable!(
          curationTable(t),
          select,
          targetLagOf(config, t),
          sources,
          computeWarehouse!,
        ))
          await w.execute(sql);
      } else if ((await w.describeTable(curationTable(t))) === undefined) {
        await refreshCurationTable(w, t, i, last.get(t.name));
      }
    }
    // Fallback views read the refresh and stream-monitor records in audit.
    if (config.fallbacks.length > 0) await ensureAudit(w);
    const views = [...consumptionViews(d, config), ...fallbackViews(d, config, deps.streaming?.topics ?? [])];
    for (const v of views) await w.execute(`CREATE OR REPLACE VIEW ${d.table(v.ref)} AS ${v.select}`);
    return {
      views: [
        ...config.tables.filter(hasIntegration).map((t) => `${INTEGRATION}.${t.name}`),
        ...views.map((v) => `${v.ref.schema}.${v.ref.table}`),
      ],
      tables: config.tables.map((t) => `${CURATION}.${t.name}`),
      selfRefreshing,
    };
  });
}
