import { dbtManifest } from '../../../../activities/transform';
import { errorOf, parse, writeProject } from './helpers';

/** The parts of the manifest the assertions read. */
interface DbtManifest {
  macros: Record<string, { macro_sql: string; depends_on: { macros: string[] } } | undefined>;
  nodes: Record<string, { name: string; depends_on: { macros: string[] } }>;
  docs: Record<string, unknown>;
  exposures: Record<string, unknown>;
  unit_tests: Record<string, unknown>;
  parent_map: Record<string, string[]>;
  child_map: Record<string, string[]>;
}

const manifestOf = (dir: string) => dbtManifest(parse(dir)) as unknown as DbtManifest;

describe("dbt's manifest.json: macros, docs, exposures, unit tests", () => {
  const files = {
    'macros/cents.sql': [
      '{% macro cents_to_dollars(col) -%}',
      '  ({{ col }} / 100)::{{ money_type() }}',
      '{%- endmacro %}',
      '',
      '{# {% macro commented_out() %}{% endmacro %} #}',
      '{% macro money_type() %}decimal(16, 2){% endmacro %}',
    ].join('\n'),
    'tests/generic/positive.sql':
      '{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} < 0{% endtest %}',
    'models/docs.md': '{% docs orders_doc %}\nOne row per **order**.\n{% enddocs %}\n',
    'models/orders.sql':
      "select {{ cents_to_dollars('amount') }} as amount, {{ dbt.hash('id') }} as h from (select 1 as id, 250 as amount)",
    'models/_props.yml': [
      'models:',
      '  - name: orders',
      '    columns:',
      '      - name: amount',
      '        data_tests: [positive, not_null]',
      'exposures:',
      '  - name: weekly_report',
      '    type: dashboard',
      '    maturity: high',
      '    url: https://bi.example.com/weekly',
      '    owner: {name: Finance, email: finance@example.com}',
      "    depends_on: [ref('orders')]",
      'unit_tests:',
      '  - name: converts_cents',
      '    model: orders',
      '    given: []',
      '    expect:',
      '      rows: [{amount: 2.5}]',
    ].join('\n'),
  };

  it('lists each macro with its own text and the macros it calls, and the macros each node calls', () => {
    const m = manifestOf(writeProject(files));
    expect(m.macros['macro.p.cents_to_dollars']).toMatchObject({
      path: 'macros/cents.sql',
      original_file_path: 'macros/cents.sql',
      macro_sql: '{% macro cents_to_dollars(col) -%}\n  ({{ col }} / 100)::{{ money_type() }}\n{%- endmacro %}',
      depends_on: { macros: ['macro.p.money_type'] },
    });
    expect(m.macros['macro.p.money_type']?.macro_sql).toBe('{% macro money_type() %}decimal(16, 2){% endmacro %}');
    expect(m.macros['macro.p.commented_out']).toBeUndefined();
    expect(m.macros['macro.p.test_positive']).toMatchObject({ path: 'tests/generic/positive.sql' });
    expect(m.macros['macro.dbt.hash']?.macro_sql).toMatch(/^\{% macro hash\(field\) %\}/);
    expect(m.nodes['model.p.orders'].depends_on.macros).toEqual(['macro.dbt.hash', 'macro.p.cents_to_dollars']);
    const positive = Object.values(m.nodes).find((n) => n.name === 'positive_orders_amount');
    expect(positive?.depends_on.macros).toEqual(['macro.p.test_positive']);
  });

  it("lists the macro an adapter.dispatch call resolves to for the target's adapter, as dbt-core does", () => {
    const m = manifestOf(
      writeProject({
        'macros/money.sql': [
          "{% macro money(col) %}{{ return(adapter.dispatch('money', 'p')(col)) }}{% endmacro %}",
          '{% macro default__money(col) %}{{ col }}::decimal{% endmacro %}',
          '{% macro duckdb__money(col) %}{{ col }}::decimal(16, 2){% endmacro %}',
          "{% macro wrap(col) %}{{ adapter.dispatch(macro_name='money', macro_namespace='p')(col) }}{% endmacro %}",
          "{% macro plain() %}{{ adapter.dispatch('plain_impl')() }}{% endmacro %}",
          '{% macro default__plain_impl() %}1{% endmacro %}',
        ].join('\n'),
        'models/m.sql': "select {{ money('1') }} as a, {{ plain() }} as b",
      }),
    );
    // The dispatching macro's own name is not listed; another macro's dispatch lists the name it reaches too.
    expect(m.macros['macro.p.money']?.depends_on.macros).toEqual(['macro.p.duckdb__money']);
    expect(m.macros['macro.p.wrap']?.depends_on.macros).toEqual(['macro.p.duckdb__money', 'macro.p.money']);
    expect(m.macros['macro.p.plain']?.depends_on.macros).toEqual(['macro.p.default__plain_impl']);
    expect(m.nodes['model.p.m'].depends_on.macros).toEqual(['macro.p.money', 'macro.p.plain']);
  });

  it('lists docs blocks, exposures (in parent_map and child_map) and unit tests', () => {
    const m = manifestOf(writeProject(files));
    expect(m.docs).toEqual({
      'doc.p.orders_doc': {
        name: 'orders_doc',
        resource_type: 'doc',
        package_name: 'p',
        path: 'docs.md',
        original_file_path: 'models/docs.md',
        unique_id: 'doc.p.orders_doc',
        block_contents: 'One row per **order**.',
      },
    });
    expect(m.exposures['exposure.p.weekly_report']).toMatchObject({
      type: 'dashboard',
      maturity: 'high',
      url: 'https://bi.example.com/weekly',
      owner: { name: 'Finance', email: 'finance@example.com' },
      fqn: ['p', 'weekly_report'],
      original_file_path: 'models/_props.yml',
      depends_on: { nodes: ['model.p.orders'] },
      refs: [{ name: 'orders', package: null, version: null }],
    });
    expect(m.parent_map['exposure.p.weekly_report']).toEqual(['model.p.orders']);
    expect(m.child_map['model.p.orders']).toContain('exposure.p.weekly_report');
    expect(m.unit_tests['unit_test.p.orders.converts_cents']).toMatchObject({
      model: 'orders',
      resource_type: 'unit_test',
      fqn: ['p', 'orders', 'converts_cents'],
      original_file_path: 'models/_props.yml',
      expect: { rows: [{ amount: 2.5 }], format: 'dict' },
      depends_on: { nodes: ['model.p.orders'] },
    });
  });

  it('refuses an exposure depending on what the project does not define, naming the file', () => {
    const dir = writeProject({
      'models/a.sql': 'select 1 as x',
      'models/_props.yml':
        "exposures:\n  - name: e\n    type: dashboard\n    owner: {name: x}\n    depends_on: [ref('nope')]\n",
    });
    expect(errorOf(() => dbtManifest(parse(dir)))).toBe(
      "models/_props.yml: exposure e: depends_on 'ref('nope')' is not a ref() or source() of this project",
    );
  });
});
