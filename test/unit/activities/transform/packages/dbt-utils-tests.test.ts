import { Runner, withDbtUtils } from '../helpers';

/** dbt_utils nodes of its integration project that dbt-core passes and the engine failed, on small inputs. */
describe("dbt_utils' tests and macros as dbt-core runs them", () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('counts failures with the fail_calc a test macro sets, tests an ephemeral model, compares column sets unordered', async () => {
    runner = await Runner.open(
      withDbtUtils({
        'models/counted.sql':
          "{{ config(materialized='table') }}\nselect 1 as field union all select 1 union all select 2",
        'models/inlined.sql': "{{ config(materialized='ephemeral') }}\nselect 'a' as b, 1 as a",
        'models/reordered.sql': "{{ config(materialized='table') }}\nselect 1 as a, 'a' as b",
        'models/swapped.sql': "{{ config(materialized='table') }}\nselect 'a' as b, 1 as a",
        'models/m.yml': [
          'version: 2',
          'models:',
          '  - name: counted',
          '    data_tests:',
          "      - dbt_utils.equal_rowcount: {compare_model: ref('counted')}",
          "      - dbt_utils.fewer_rows_than: {compare_model: ref('reordered'), config: {severity: warn}}",
          '  - name: inlined',
          '    data_tests:',
          "      - dbt_utils.equality: {compare_model: ref('reordered'), compare_columns: [a, b]}",
          '  - name: reordered',
          '    data_tests:',
          "      - dbt_utils.equality: {compare_model: ref('swapped')}",
          '',
        ].join('\n'),
      }),
    );
    const r = await runner.build();
    const status = Object.fromEntries(Object.values(r).map((n) => [n.name, [n.status, n.rows]]));
    expect(status).toMatchObject({
      // equal_rowcount's fail_calc is sum(coalesce(diff_count, 0)): one row, no difference.
      dbt_utils_equal_rowcount_counted_ref_counted_: ['success', 0],
      // fewer_rows_than's fail_calc sums row_count_delta: 3 rows against 1, a delta of 2 (not one failing row).
      dbt_utils_fewer_rows_than_counted_ref_reordered_: ['warn', 2],
      dbt_utils_equality_inlined_a__b__ref_reordered_: ['success', 0],
      // `set(a) != set(b)` in the equality macro: the same columns in another order are the same set.
      dbt_utils_equality_reordered_ref_swapped_: ['success', 0],
    });
  });

  it('get_single_value gives its default when the query returns no rows (print() writes nothing)', async () => {
    runner = await Runner.open(
      withDbtUtils({
        'models/single.sql': [
          "{{ config(materialized='table') }}",
          "{% set none_found = 'select 1 as id limit 0' %}",
          "select {{ dbt_utils.get_single_value(none_found, 42) }} as fallback, {{ dbt_utils.get_single_value('select 7') }} as found",
        ].join('\n'),
      }),
    );
    expect((await runner.build()).single).toMatchObject({ status: 'success', rows: 1 });
    expect(await runner.query('select fallback, found from single')).toEqual([{ fallback: 42, found: 7 }]);
  });
});
