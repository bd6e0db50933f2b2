import { compileNode } from '../../../../../activities/transform';
import { nodeNamed, parse, writeProject } from '../helpers';

const run = { invocationId: 'unit', runStartedAt: '2026-01-01T00:00:00Z' };

/** The SQL of model `m` of a project with these macro files (`macros/m.sql`) and model SQL. */
function compiled(macros: string[], model: string): string {
  const dir = writeProject({ 'macros/m.sql': macros.join('\n'), 'models/m.sql': model });
  const m = parse(dir);
  return compileNode(m, nodeNamed(m, 'm'), run);
}

/** Python dicts keep insertion order; minijinja's maps sort their keys, so the engine keeps the order itself. */
describe('a dict literal, a dict a macro returns and a dict passed into a macro iterate in insertion order, as in Python', () => {
  it('orders a literal dict with several keys: for loops, keys(), items(), values(), |list, |join', () => {
    const sql = compiled(
      [],
      [
        "{%- set cols = {'member_id': 'int', 'amount': 'double', 'claim_id': 'varchar'} -%}",
        "select {% for c in cols %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}",
        "-- {{ cols.keys() | join(',') }} {{ cols | join(',') }} {{ cols | list }} {{ cols | first }}",
        '-- {% for k, v in cols.items() %}{{ k }}:{{ v }} {% endfor %}',
        '-- {% for v in cols.values() %}{{ v }} {% endfor %}',
        "-- {% for k in {'b': 1, 'a': 2, 'c': 3} if k != 'c' %}{{ k }}{% endfor %}",
      ].join('\n'),
    );
    expect(sql.split('\n')).toEqual([
      'select member_id, amount, claim_id',
      '-- member_id,amount,claim_id member_id,amount,claim_id ["member_id", "amount", "claim_id"] member_id',
      '-- member_id:int amount:double claim_id:varchar ',
      '-- int double varchar ',
      '-- ba',
    ]);
  });

  it("orders a var's mapping as written in dbt_project.yml (also nested, and passed into a macro)", () => {
    const dir = writeProject({
      'dbt_project.yml': 'name: p\nvars:\n  cols:\n    zeta: int\n    alpha: text\n    mid: {b: 1, a: 2}\n',
      'macros/m.sql': '{% macro names(d) %}{{ d.keys() | join(",") }}{% endmacro %}',
      'models/m.sql': [
        "select {% for c in var('cols') %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}",
        "-- {{ names(var('cols')) }} {% for k in var('cols')['mid'] %}{{ k }}{% endfor %}",
      ].join('\n'),
    });
    const m = parse(dir);
    expect(compileNode(m, nodeNamed(m, 'm'), run).split('\n')).toEqual([
      'select zeta, alpha, mid',
      '-- zeta,alpha,mid ba',
    ]);
  });

  it('orders a dict a macro returns, built as a literal or with update (as get_query_results_as_dict does)', () => {
    const sql = compiled(
      [
        "{% macro literal_cols() %}{{ return({'zeta': 'z', 'alpha': 'a', 'mid': 'm'}) }}{% endmacro %}",
        '{% macro updated_cols() %}',
        '{%- set d = {} -%}',
        "{%- for name in ['zeta', 'alpha', 'mid'] -%}{%- do d.update({name: [loop.index]}) -%}{%- endfor -%}",
        '{{ return(d) }}',
        '{% endmacro %}',
      ],
      [
        '{%- set a = literal_cols() -%}',
        '{%- set b = updated_cols() -%}',
        'select {% for k, v in a.items() %}{{ v }} as {{ k }}, {% endfor %}',
        "{{ b.keys() | join(', ') }} from t",
        "-- {% for k in literal_cols() %}{{ k }} {% endfor %}{{ b | join(' ') }} {{ updated_cols() | join(' ') }}",
      ].join('\n'),
    );
    expect(sql.split('\n')).toEqual([
      'select z as zeta, a as alpha, m as mid, ',
      'zeta, alpha, mid from t',
      '-- zeta alpha mid zeta alpha mid zeta alpha mid',
    ]);
  });

  it('orders a dict passed into a macro, literal or built by the caller', () => {
    const sql = compiled(
      [
        '{% macro select_cols(cols) %}',
        "{%- for name, type in cols.items() %}cast({{ name }} as {{ type }}){{ ', ' if not loop.last }}{% endfor -%}",
        '{% endmacro %}',
        '{% macro nested(spec) %}{{ spec.cols.keys() | join(",") }}{% endmacro %}',
      ],
      [
        "select {{ select_cols({'member_id': 'int', 'amount': 'double'}) }}",
        "{%- set spec = {'cols': {'zz': 1, 'aa': 2}, 'name': 'x'} %}",
        '-- {{ nested(spec) }}',
      ].join('\n'),
    );
    expect(sql.split('\n')).toEqual(['select cast(member_id as int), cast(amount as double)', '-- zz,aa']);
  });

  it('fails naming the file and line where an unsorted dict would render in sorted order', () => {
    const render = (line: string) => () =>
      compiled(['{% macro show(d) %}', line, '{% endmacro %}'], "select 1\n-- {{ show({'b': 1, 'a': 2}) }}");
    const lines = ['{{ d }}', '{{ d | tojson }}', '{{ d.items() | list }}', '{{ d | items }}'];
    for (const line of [...lines, '{% for k, v in d.items() if v %}{{ k }}{% endfor %}']) {
      expect(render(line)).toThrow(/macros\/m\.sql:2: a dict with keys b, a .*insertion order/);
    }
    // Sorted keys, or a single key, render as they are.
    expect(compiled([], "{{ {'a': 1, 'b': 2} }} {{ {'b': 1} | tojson }}")).toBe('{"a": 1, "b": 2} {"b":1}');
  });

  it('fails when dicts with the same keys were built in different orders and one is iterated', () => {
    expect(() =>
      compiled(
        [],
        "{% set x = {'b': 1, 'a': 2} %}{% set y = {'a': 1, 'b': 2} %}\nselect {% for k in y %}{{ k }}{% endfor %}",
      ),
    ).toThrow(/models\/m\.sql:2: .*keys a, b .*different orders/);
  });
});
