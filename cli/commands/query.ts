import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp query`: SQL against the warehouse, printed as a table or JSON. */
export const queryCommand: CliCommand = {
  name: 'query',
  help: [
    [
      'query "<sql>" [--json] [--write]',
      'query the warehouse (through the worker when one holds the DuckDB file); --write lets it change data',
    ],
  ],
  options: { json: { type: 'boolean' }, write: { type: 'boolean' } },
  async run({ config, rest, opts }) {
    const sql = rest.join(' ').trim();
    if (!sql) throw new UsageError('query needs SQL, e.g. edp query "select count(*) from raw.claims"');
    const { readWarehouse } = await import('../session');
    const { table } = await import('../output');
    const rows = await readWarehouse(config, sql, { write: opts.flag('write') });
    console.log(opts.flag('json') ? JSON.stringify(rows, null, 2) : table(rows));
    return 0;
  },
};
