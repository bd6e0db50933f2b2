import type { LineageConfig } from '../../lib/config/schema';
import { activityContext } from '../heartbeat';
import { loadManifest } from '../transform/manifest-store';
import type { Manifest } from '../transform/manifest-types';
import type { Warehouse } from '../warehouse';
import type { DatasetPlaces } from './lineage-datasets';
import { buildRunEvent, type RunEvent } from './lineage-events';
import type { EmitLineageInput, EmitLineageResult } from './lineage-input';
import { deliverLineage } from './lineage-transport';

/** What the lineage activity needs from the worker. */
export interface LineageDeps {
  warehouse: Warehouse;
  lineage: LineageConfig;
  places: DatasetPlaces;
  /** Where this worker caches planned dbt manifests (shared with the transform activities). */
  manifestCacheDir: string;
}

/** Builds the lineage activity. */
export function createLineageActivities(deps: LineageDeps) {
  return {
    /**
     * Sends OpenLineage run events for the runs a workflow reports, best effort: building or delivering an
     * event never fails the activity (and so never the pipeline); what could not go out is logged by its
     * status or error class only, never with the event (dataset names and counts stay out of logs too).
     */
    async emitLineage(input: EmitLineageInput): Promise<EmitLineageResult> {
      const manifests = new Map<string, Promise<Manifest>>();
      const ctx = {
        namespace: deps.lineage.namespace,
        places: deps.places,
        warehouse: deps.warehouse,
        manifest: (ref: { manifestFile: string; checksum: string }) => {
          let m = manifests.get(ref.checksum);
          if (!m) manifests.set(ref.checksum, (m = loadManifest(deps.warehouse, ref, deps.manifestCacheDir)));
          return m;
        },
      };
      const events: RunEvent[] = [];
      let unbuilt = 0;
      const problems = new Set<string>();
      for (const e of input.events) {
        try {
          events.push(await buildRunEvent(ctx, e));
        } catch (err) {
          unbuilt++;
          problems.add(`build: ${(err as Error).name}`);
        }
      }
      const delivered = await deliverLineage(deps.lineage, events);
      for (const p of delivered.problems) problems.add(p);
      const dropped = unbuilt + delivered.dropped;
      if (dropped > 0) {
        activityContext()?.log.warn('lineage events dropped', {
          dropped,
          of: input.events.length,
          problems: [...problems],
        });
      }
      return { emitted: input.events.length - dropped, dropped };
    },
  };
}
