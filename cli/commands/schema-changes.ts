import type { CliCommand } from '../command';

/** `edp schema-changes [schema.table]`: the columns added and types widened in the tables the platform loads. */
export const schemaChangesCommand: CliCommand = {
  name: 'schema-changes',
  help: [['schema-changes [schema.table]', 'columns added and types widened in loaded tables, oldest first']],
  async run({ config, rest }) {
    const { readSchemaChanges } = await import('../../activities/audit');
    const { withWarehouseReader } = await import('../session');
    const { table } = await import('../output');
    const changes = await withWarehouseReader(config, (reader) => readSchemaChanges(reader, rest[0])).catch(
      (err: Error) => {
        // No worker has written the audit schema yet, so nothing has changed either.
        if (/does not exist/.test(err.message)) return [];
        throw err;
      },
    );
    if (changes.length === 0) {
      console.log(rest[0] ? `no schema changes recorded for ${rest[0]}` : 'no schema changes recorded');
      return 0;
    }
    console.log(
      table(
        changes.map((c) => ({
          changed: c.changedAt,
          table: c.table,
          column: c.column,
          change: c.change,
          from: c.fromType,
          to: c.toType,
          declared: c.origin,
        })),
      ),
    );
    return 0;
  },
};
