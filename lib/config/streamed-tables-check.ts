import type { z } from 'zod';
import type { DeclaredRawTables } from './governance-schema';

/**
 * Checks that no streamed topic's table is a batch raw table: `raw.<table>` of a landing entity or of a
 * SQL source table's extract. Both writers would share one table (the stream's offsets and columns
 * against the batch loads'), so the clash is an issue at the topic's `table` key.
 */
export function checkStreamedTables(c: Omit<DeclaredRawTables, 'governance'>, ctx: z.RefinementCtx): void {
  const batch = new Map<string, string>();
  for (const [i, e] of c.landing.entities.entries()) batch.set(e.name, `landing.entities[${i}] (${e.name})`);
  for (const [i, s] of c.sources.entries()) {
    for (const [j, t] of s.tables.entries())
      batch.set(t.target ?? `${s.name}_${t.name}`, `sources[${i}].tables[${j}] (${s.name}.${t.name})`);
  }
  for (const [i, t] of c.streaming.topics.entries()) {
    const owner = batch.get(t.table);
    if (owner === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['streaming', 'topics', i, 'table'],
      message:
        `raw.${t.table} is the batch table ${owner} loads; a streamed table needs a name of its own ` +
        `(e.g. ${t.table}_updates, and the dbt var stream_tables mapping it; docs/cdc.md)`,
    });
  }
}
