import { Context } from '@temporalio/activity';

/** Node count and summed time per node type. */
export type ByType = Record<string, { count: number; ms: number }>;

/** Adds one node's time to its type. */
export const addTo = (byType: ByType, type: string, ms: number): void => {
  byType[type] ??= { count: 0, ms: 0 };
  byType[type].count++;
  byType[type].ms += ms;
};

/**
 * Wraps each activity to add its body's time to `into`, by node type (`runNode`) or activity name; a local
 * activity's to `localInto` instead (its round trip is the workflow task's, not an activity's of its own).
 */
export function timed<T extends Record<string, (input: never) => Promise<unknown>>>(
  acts: T,
  into: ByType,
  localInto: ByType,
): T {
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [
      name,
      async (input: never) => {
        const t = performance.now();
        const local = Context.current().info.isLocal;
        try {
          return await fn(input);
        } finally {
          const nodeId = (input as { nodeId?: unknown } | undefined)?.nodeId;
          addTo(
            local ? localInto : into,
            typeof nodeId === 'string' ? nodeId.split('.')[0] : name,
            performance.now() - t,
          );
        }
      },
    ]),
  ) as T;
}
