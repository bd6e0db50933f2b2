import { CancellationScope, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LineageEventInput } from '../activities/lineage';
import type { StepOptions } from './step-options';

/**
 * Patch id of the OpenLineage events (`emitLineage` activities) of platformPipeline, transform and qualityGate.
 * Runs started before it replay without them.
 */
export const LINEAGE_PATCH = 'openlineage-events';

/**
 * Patch id of live node lineage: a transform sends each dbt node's events as the node starts and ends, and a
 * workflow's lineage activities run one after another so events arrive in the order they were emitted. Runs
 * started before it replay with every node's events sent in one batch at the end, activities in parallel.
 */
export const LIVE_LINEAGE_PATCH = 'openlineage-live-nodes';

/** Sends a workflow's lineage events without waiting on them; `flush` waits for what was sent (never throws). */
export interface LineageEmitter {
  /** False when `lineage` is not configured (or the run predates the patch): `emit` does nothing then. */
  readonly on: boolean;
  /** True when events go out in emit order, one activity at a time (runs from {@link LIVE_LINEAGE_PATCH} on). */
  readonly ordered: boolean;
  emit(events: LineageEventInput[]): void;
  flush(): Promise<void>;
}

/**
 * The lineage emitter of a workflow: `emit` never waits, and lineage never holds a step up or fails it (the
 * activity retries deliveries itself). Ordered, events wait for the activity in flight and go out together once
 * it is done, so a receiver sees them in emit order; before the patch each `emit` was its own activity at once.
 */
export function lineageEmitter(steps: StepOptions): LineageEmitter {
  const on = steps.lineage === true && patched(LINEAGE_PATCH);
  const ordered = on && patched(LIVE_LINEAGE_PATCH);
  const { emitLineage } = proxyActivities<Activities>({
    taskQueue: steps.warehouseTaskQueue,
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 1 },
  });
  const pending: Array<Promise<unknown>> = [];
  // Ordered: one batch after another. A batch takes events until the one before it is done, and only from its
  // own cancellation scope, so a cancelled run's last events (sent from a scope its cancellation does not reach)
  // never wait in a batch that the cancellation stops.
  let tail: Promise<void> = Promise.resolve();
  let open: { events: LineageEventInput[]; scope: CancellationScope } | undefined;
  return {
    on,
    ordered,
    emit(events) {
      if (!on || events.length === 0) return;
      if (!ordered) {
        pending.push(emitLineage({ events }).catch(() => undefined));
        return;
      }
      const scope = CancellationScope.current();
      if (open?.scope === scope) {
        open.events.push(...events);
        return;
      }
      const batch = { events: [...events], scope };
      open = batch;
      tail = tail.then(async () => {
        if (open === batch) open = undefined;
        await emitLineage({ events: batch.events }).catch(() => undefined);
      });
    },
    async flush() {
      await Promise.all(pending);
      for (let seen: Promise<void> | undefined; seen !== tail;) {
        seen = tail;
        await seen;
      }
    },
  };
}
