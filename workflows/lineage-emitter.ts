import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LineageEventInput } from '../activities/lineage';
import type { StepOptions } from './step-options';

/**
 * Patch id of the OpenLineage events (`emitLineage` activities) of platformPipeline, transform and qualityGate.
 * Runs started before it replay without them.
 */
export const LINEAGE_PATCH = 'openlineage-events';

/** Sends a workflow's lineage events without waiting on them; `flush` waits for what was sent (never throws). */
export interface LineageEmitter {
  /** False when `lineage` is not configured (or the run predates the patch): `emit` does nothing then. */
  readonly on: boolean;
  emit(events: LineageEventInput[]): void;
  flush(): Promise<void>;
}

/**
 * The lineage emitter of a workflow: each `emit` is one best-effort activity started at once and awaited only by
 * `flush`, so lineage never holds a step up and never fails it (the activity retries deliveries itself).
 */
export function lineageEmitter(steps: StepOptions): LineageEmitter {
  const on = steps.lineage === true && patched(LINEAGE_PATCH);
  const { emitLineage } = proxyActivities<Activities>({
    taskQueue: steps.warehouseTaskQueue,
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 1 },
  });
  const pending: Array<Promise<unknown>> = [];
  return {
    on,
    emit(events) {
      if (on && events.length > 0) pending.push(emitLineage({ events }).catch(() => undefined));
    },
    async flush() {
      await Promise.all(pending);
    },
  };
}
