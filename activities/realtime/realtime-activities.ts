import { deployRealtime } from './deploy-realtime';
import type { RealtimeDeps } from './realtime-deps';
import { realtimeLag } from './realtime-lag';
import { refreshRealtime } from './refresh-realtime';

/**
 * The near-real-time layers (docs/realtime.md): integration views (recent history ∪ changes), curation
 * tables within a target lag, consumption views. On Snowflake the curation tables are dynamic tables
 * that refresh themselves; elsewhere `refreshRealtime` refreshes each when half its target lag has passed.
 */
export function createRealtimeActivities(deps: RealtimeDeps) {
  return {
    /** See {@link deployRealtime}. */
    deployRealtime: () => deployRealtime(deps),
    /** See {@link refreshRealtime}. */
    refreshRealtime: () => refreshRealtime(deps),
    /** See {@link realtimeLag}. */
    realtimeLag: () => realtimeLag(deps),
  };
}
