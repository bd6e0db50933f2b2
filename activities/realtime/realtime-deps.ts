import type { RealtimeConfig } from '../../lib/config/realtime-schema';
import type { AlertsConfig, StreamTopicConfig, WebhookConfig } from '../../lib/config/schema';
import type { Warehouse } from '../warehouse';

/** What the near-real-time activities need. */
export interface RealtimeDeps {
  warehouse: Warehouse;
  realtime: RealtimeConfig;
  /** The warehouse dynamic tables refresh on when `realtime.warehouse` is unset (the connection's). */
  defaultComputeWarehouse?: string;
  /** The streamed topics fallback views measure the realtime path's freshness by. */
  streaming?: { topics: readonly StreamTopicConfig[] };
  /** Where target-lag breaches are alerted. */
  webhooks?: readonly WebhookConfig[];
  /** Which of them get `target-lag` alerts, and how loud (`alerts.routes`). */
  alerts?: Pick<AlertsConfig, 'routes'>;
}
