import { SOURCE_WATERMARKS } from '../activities/audit';
import type { EdpConfig } from '../workers/config-schema';
import { UsageError, withWarehouseReader } from './session';

/** The configured SQL-source tables `source.table` names; a name not configured is a usage error. */
function configuredTables(config: EdpConfig, names: readonly string[]): Array<{ source: string; table: string }> {
  const known = config.sources.flatMap((s) => s.tables.map((t) => ({ source: s.name, table: t.name })));
  return names.map((name) => {
    const found = known.find((k) => `${k.source}.${k.table}` === name);
    if (!found)
      throw new UsageError(
        `--full-refresh-table ${name}: not a SQL-source table of the config; known: ${known.map((k) => `${k.source}.${k.table}`).join(', ') || 'none'}`,
      );
    return found;
  });
}

/**
 * Removes the committed watermarks of SQL-source tables (`source.table`), so the next extract of each takes the
 * whole table and replaces its raw rows (an extract without a watermark does): a full refresh of those tables.
 */
export async function resetWatermarks(config: EdpConfig, names: readonly string[], log: (m: string) => void) {
  const tables = configuredTables(config, names);
  if (tables.length === 0) return;
  const { schema, table } = SOURCE_WATERMARKS.ref;
  await withWarehouseReader(
    config,
    async (w) => {
      // A warehouse no run has written to yet has no watermarks to remove.
      const exists = await w.query(
        `SELECT 1 AS present FROM information_schema.tables WHERE LOWER(table_schema) = '${schema}' AND LOWER(table_name) = '${table}'`,
      );
      if (exists.length === 0) return;
      // Names are config identifiers (letters, digits, _), checked above against the config.
      for (const t of tables) {
        await w.query(
          `DELETE FROM ${w.dialect.table(SOURCE_WATERMARKS.ref)} WHERE source = '${t.source}' AND table_name = '${t.table}'`,
        );
        log(`${t.source}.${t.table}: watermark removed; this run extracts the whole table and replaces its raw rows`);
      }
    },
    { write: true },
  );
}
