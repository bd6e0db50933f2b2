import { consumeStream, type ConsumeInput } from './consume-stream';
import type { StreamDeps } from './stream-deps';

/** Builds the streaming ingest activity. */
export function createStreamIngestActivities(deps: StreamDeps) {
  return {
    /** See {@link consumeStream}. */
    consumeStream: (input: ConsumeInput) => consumeStream(deps, input),
  };
}
