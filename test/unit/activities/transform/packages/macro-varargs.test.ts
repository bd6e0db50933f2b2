import { compileNode, testSql } from '../../../../../activities/transform';
import { prefetchNodeQueries } from '../../../../../activities/transform/compile';
import { macroSignatures, packArguments } from '../../../../../activities/transform/packages/macro-signatures';
import { nodeNamed, parse, withDbtUtils, writeFiles, writeProject } from '../helpers';

const run = { invocationId: 'unit', runStartedAt: '2026-01-01T00:00:00Z' };

describe('macros reading varargs / kwargs (extra arguments, as Python Jinja collects them)', () => {
  it('finds which macros read them, and binds arguments as Python does', () => {
    const [catching, local] = macroSignatures(
      '{% macro m(a, b=1) %}{{ kwargs.x }}{{ varargs }}{{ c.kwargs }}{% endmacro %}' +
        '{% macro n(a) %}{% set kwargs = {} %}{{ kwargs }}{% endmacro %}',
    );
    expect(catching).toEqual({ name: 'm', signature: { params: ['a', 'b'], varargs: true, kwargs: true } });
    expect(local).toEqual({ name: 'n', signature: { params: ['a'] } });
    expect(packArguments(catching.signature, [1, 2, 3], { b2: 4 })).toEqual({
      args: { a: 1, b: 2, varargs: [3], kwargs: { b2: 4 } },
    });
    expect(packArguments({ params: ['a'], kwargs: true }, [1, 2], {})).toEqual({
      error: 'takes 1 positional arguments but 2 were given',
    });
    expect(packArguments({ params: ['a'], varargs: true }, [], { z: 1 })).toEqual({
      error: "got an unexpected keyword argument 'z'",
    });
    expect(packArguments({ params: ['a'], kwargs: true }, [1], { a: 2 })).toEqual({
      error: "got multiple values for argument 'a'",
    });
  });

  it('passes extra arguments through adapter.dispatch and **kwargs / *varargs; dict.get takes a default', () => {
    const dir = writeProject({
      'macros/m.sql': [
        "{% macro joined(sep) %}{{ return(adapter.dispatch('joined')(sep, *varargs, **kwargs)) }}{% endmacro %}",
        '{% macro default__joined(sep) %}{{ varargs | join(sep) }}{% for k, v in kwargs | dictsort %}{{ sep }}{{ k }}={{ v }}{% endfor %}{% endmacro %}',
        '{% macro plain(a) %}{{ a }}{% endmacro %}',
      ].join('\n'),
      'models/m.sql':
        "select '{{ joined('-', 'a', 'b', y=2, x=1) }}' as j, '{{ joined(',') }}' as e, {{ {'a': 1}.get('b', 2) }} as g",
    });
    const m = parse(dir);
    expect(compileNode(m, nodeNamed(m, 'm'), run)).toBe("select 'a-b-x=1-y=2' as j, '' as e, 2 as g");
    writeFiles(dir, { 'models/bad.sql': 'select 1\n{{ plain(1, 2) }}' });
    expect(() => parse(dir)).toThrow(/models\/bad\.sql:2: too many arguments/);
  });

  it("runs dbt_utils' not_null_proportion (its arguments arrive in kwargs)", () => {
    const dir = withDbtUtils({
      'models/m.sql': 'select 1 as id',
      'models/m.yml': [
        'models:',
        '  - name: m',
        '    columns:',
        '      - name: id',
        '        data_tests:',
        '          - dbt_utils.not_null_proportion:',
        '              at_least: 0.95',
      ].join('\n'),
    });
    const m = parse(dir);
    const test = Object.values(m.nodes).find((n) => n.generic?.name === 'dbt_utils.not_null_proportion');
    const sql = testSql(m, test!, run).replace(/\s+/g, ' ');
    expect(sql).toContain('sum(case when id is null then 0 else 1 end) / cast(count(*) as numeric(28,6))');
    expect(sql).toContain('from "main"."m"');
    expect(sql).toContain('where not_null_proportion < 0.95 or not_null_proportion > 1');
  });
});

describe('Python data idioms of package macros', () => {
  it("mutates a list inside a dict entry, and keeps a column's methods through a dict (dbt_utils union_relations)", async () => {
    const dir = writeProject({
      'macros/m.sql': [
        '{% macro grouped(pairs) %}{% set by = {} %}{% for k, v in pairs %}{% if k not in by %}{% do by.update({k: []}) %}{% endif %}',
        '{% do by[k].append(v) %}{% do by[k].extend([v * 10]) %}{% endfor %}{{ return(by) }}{% endmacro %}',
        "{% macro kept() %}{% set cols = {} %}{% for c in adapter.get_columns_in_relation(ref('src')) %}{% do cols.update({c.column: c}) %}{% endfor %}",
        "{{ return(cols['t'].is_string() ~ cols['n'].is_string() ~ cols.keys() | length) }}{% endmacro %}",
      ].join('\n'),
      'models/src.sql': "select 'a' as t, 1 as n",
      'models/m.sql':
        "select '{{ grouped([['a', 1], ['b', 2], ['a', 3]]) | tojson }}' as g, '{{ kept() if execute else '' }}' as k",
    });
    const m = parse(dir);
    const options = { ...run, invocationId: 'unit-union' };
    await prefetchNodeQueries(m, nodeNamed(m, 'm'), options, () =>
      Promise.resolve({
        columns: ['column_name', 'data_type'],
        rows: [
          ['t', 'VARCHAR'],
          ['n', 'INTEGER'],
        ],
      }),
    );
    expect(compileNode(m, nodeNamed(m, 'm'), options)).toBe(
      'select \'{"a":[1,10,3,30],"b":[2,20]}\' as g, \'truefalse2\' as k',
    );
  });

  it('gives agate columns by name through columns.items() (dbt_utils get_query_results_as_dict)', async () => {
    const dir = withDbtUtils({
      'models/m.sql':
        "{% set d = dbt_utils.get_query_results_as_dict('select 1') %}select '{{ d.keys() | list | join(',') }}' as k, '{{ d['b'] | join(',') if execute else '' }}' as b",
    });
    const m = parse(dir);
    const options = { ...run, invocationId: 'unit-as-dict' };
    await prefetchNodeQueries(m, nodeNamed(m, 'm'), options, () =>
      Promise.resolve({
        columns: ['a', 'b'],
        rows: [
          [1, 'x'],
          [2, 'y'],
        ],
      }),
    );
    expect(compileNode(m, nodeNamed(m, 'm'), options)).toBe("select 'a,b' as k, 'x,y' as b");
  });
});
