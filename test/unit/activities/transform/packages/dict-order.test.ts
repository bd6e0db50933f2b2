import { compileNode } from '../../../../../activities/transform';
import { nodeNamed, parse, writeProject } from '../helpers';

const run = { invocationId: 'unit', runStartedAt: '2026-01-01T00:00:00Z' };

/** Python dicts keep insertion order; minijinja's maps sort their keys, so the engine keeps the order itself. */
describe('a dict built with {% do d.update(…) %} keeps insertion order, as in Python', () => {
  it('gives keys(), items(), values() and `for k in d` in insertion order', () => {
    const dir = writeProject({
      'macros/m.sql': [
        '{% macro ordered() %}',
        "{%- set d = {'zeta': 0} -%}",
        "{%- for k in ['beta', 'alpha', 'zeta', 'gamma'] -%}{%- do d.update({k: loop.index}) -%}{%- endfor -%}",
        "{%- do d.update({'delta': 9, 'a2': 8}) -%}",
        "{{ d.keys() | join(',') }}|",
        '{%- for k, v in d.items() %}{{ k }}={{ v }} {% endfor -%}|',
        "{{ d.values() | join(',') }}|",
        '{%- for k in d %}{{ k }} {% endfor -%}|',
        "{%- set d = {'y': 1, 'x': 2} -%}",
        "{{ d.keys() | join(',') }}",
        '{% endmacro %}',
      ].join(''),
      'models/m.sql': "select '{{ ordered() }}' as o",
    });
    const m = parse(dir);
    expect(compileNode(m, nodeNamed(m, 'm'), run)).toBe(
      "select 'zeta,beta,alpha,gamma,delta,a2|zeta=3 beta=1 alpha=2 gamma=4 delta=9 a2=8 |3,1,2,4,9,8|zeta beta alpha gamma delta a2 |y,x' as o",
    );
  });
});
