import { backfillStream, type BackfillChunkInput } from './backfill-stream';
import { resolveBackfillRanges, type BackfillSpec } from './resolve-backfill-ranges';
import type { StreamDeps } from './stream-deps';

/** Builds the streaming backfill activities. */
export function createStreamBackfillActivities(deps: StreamDeps) {
  return {
    /** See {@link resolveBackfillRanges}. */
    resolveBackfillRanges: (spec: BackfillSpec) => resolveBackfillRanges(deps, spec),
    /** See {@link backfillStream}. */
    backfillStream: (input: BackfillChunkInput) => backfillStream(deps, input),
  };
}
