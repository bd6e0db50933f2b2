import { SELECTOR_METHODS, selectNodes } from '../../../../activities/transform';
import { errorOf, parse, writeProject } from './helpers';

const manifest = parse(
  writeProject({
    'models/_sources.yml': 'sources:\n  - name: raw\n    tables:\n      - name: orders\n      - name: items\n',
    'models/staging/stg_orders.sql': "{{ config(tags=['nightly']) }} select * from {{ source('raw', 'orders') }}",
    'models/marts/orders.sql': "{{ config(materialized='table') }} select * from {{ ref('stg_orders') }}",
    'models/marts/_props.yml':
      'models:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [unique]\n',
    'tests/assert_orders.sql': "select * from {{ ref('orders') }} where false",
  }),
);
const names = (ids: Iterable<string>) =>
  [...ids]
    .map((id) =>
      id
        .split('.')
        .slice(2)
        .join('.')
        .replace(/\.[0-9a-f]{10}$/, ''),
    )
    .sort();

describe('selector method registry', () => {
  it('lists every method by the name written before the colon', () => {
    expect(Object.keys(SELECTOR_METHODS)).toEqual([
      'fqn',
      'tag',
      'path',
      'source',
      'resource_type',
      'config.materialized',
      'test_type',
      'state',
    ]);
  });

  it.each([
    ['fqn', 'marts', ['orders', 'unique_orders_id']],
    ['fqn', 'p.staging.*', ['stg_orders']],
    ['tag', 'night*', ['stg_orders']],
    ['path', 'models/staging', ['stg_orders']],
    ['source', 'raw.ord*', ['raw.orders']],
    ['source', 'raw', ['raw.items', 'raw.orders']],
    ['resource_type', 'test', ['assert_orders', 'unique_orders_id']],
    ['config.materialized', 'table', ['orders']],
    ['test_type', 'generic', ['unique_orders_id']],
    ['test_type', 'singular', ['assert_orders']],
  ])('%s:%s matches what dbt matches', (method, value, expected) => {
    expect(names(SELECTOR_METHODS[method](manifest, value))).toEqual(expected);
  });

  it('names every registered method when a selector uses an unknown one', () => {
    const others = Object.keys(SELECTOR_METHODS).filter((m) => m !== 'fqn');
    expect(errorOf(() => selectNodes(manifest, 'run', ['colour:red']))).toBe(
      `--select: unknown selector method 'colour:' (use a name, ${others.map((m) => `${m}:`).join(', ')})`,
    );
    expect(errorOf(() => selectNodes(manifest, 'run', ['toString:x']))).toMatch(/unknown selector method 'toString:'/);
  });
});
