import { createHash } from 'node:crypto';

/**
 * The OpenLineage run id (a UUID) of a run key: the same key always gives the same id, so a run's START and
 * COMPLETE, sent by different activities (or workers), and its children's parent facets agree without storing it.
 * Formatted as a name-based UUID (version 5 layout over SHA-1).
 */
export function lineageRunId(runKey: string): string {
  const h = createHash('sha1').update(`edp-lineage:${runKey}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
