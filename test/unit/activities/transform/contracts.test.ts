import { errorOf, parse, Runner, writeProject } from './helpers';

/** A model with an enforced contract on `columns` (name: data_type). */
const contracted = (sql: string, columns: Record<string, string>, materialized = 'table') => ({
  'models/m.sql': `{{ config(materialized='${materialized}') }}\n${sql}`,
  'models/m.yml': [
    'models:',
    '  - name: m',
    '    config:',
    '      contract: {enforced: true}',
    '    columns:',
    ...Object.entries(columns).flatMap(([name, type]) => [`      - name: ${name}`, `        data_type: ${type}`]),
    '',
  ].join('\n'),
});

describe('enforced model contracts', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('build a model whose columns and types are the contract’s (types as the engine names them)', async () => {
    runner = await Runner.open(
      writeProject(
        contracted("select cast(1 as int) as id, 'a' as name, 2.5 as price", {
          id: 'integer',
          name: 'text',
          price: 'decimal(10,2)',
        }),
      ),
    );
    expect((await runner.build()).m).toMatchObject({ status: 'success', rows: 1 });
  });

  it('fail the model, before it builds, listing each column that differs', async () => {
    runner = await Runner.open(
      writeProject(contracted("select 1 as id, 'a' as extra", { id: 'varchar', name: 'text' }, 'view')),
    );
    await expect(runner.build()).rejects.toMatchObject({
      message: [
        "models/m.sql: m: this model has an enforced contract that failed: the name, data_type and number of columns of the contract must match the model's",
        '| column_name | definition_type | contract_type | mismatch_reason |',
        '| id | INTEGER | VARCHAR | data type mismatch |',
        '| name | | VARCHAR | missing in definition |',
        '| extra | VARCHAR | | missing in contract |',
      ].join('\n'),
      nonRetryable: true,
    });
    expect(
      await runner.query(
        "select count(*)::int as n from information_schema.tables where table_name <> 'transform_node_runs' and table_schema <> 'audit'",
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('are refused at parse on a column without data_type or an ephemeral model', () => {
    expect(errorOf(() => parse(writeProject(contracted('select 1 as id', { id: '' }))))).toBe(
      'models/m.sql: m: enforced contract: columns without a data_type: id',
    );
    expect(errorOf(() => parse(writeProject(contracted('select 1 as id', { id: 'int' }, 'ephemeral'))))).toBe(
      'models/m.sql: m: enforced contract: only models that build a view or a table can have one',
    );
  });
});
