import { runEdges, selectNodes, type DbtCommand } from '../../../../activities/transform';
import { errorOf, parse, writeProject } from './helpers';

//   stg_a ──┬──────────► m1
//   stg_b ──┴─► m2 ─► m3 ─► assert_m3 (singular test)
//   tests: unique/not_null on stg_a.id; relationships stg_b.a_id → stg_a.id; not_null on source raw.orders
const manifest = parse(
  writeProject({
    'models/_sources.yml': `sources:
  - name: raw
    tables:
      - name: orders
        columns:
          - name: id
            data_tests: [not_null]
`,
    'models/staging/stg_a.sql': "select id from {{ source('raw', 'orders') }}",
    'models/staging/stg_b.sql': "{{ config(tags=['nightly']) }} select 1 as id, 1 as a_id",
    'models/staging/_props.yml': `models:
  - name: stg_a
    columns:
      - name: id
        data_tests: [unique, not_null]
  - name: stg_b
    columns:
      - name: a_id
        data_tests:
          - relationships: {to: "ref('stg_a')", field: id}
`,
    'models/marts/m1.sql':
      "{{ config(materialized='table') }} select * from {{ ref('stg_a') }} join {{ ref('stg_b') }} using (id)",
    'models/marts/m2.sql': "select * from {{ ref('stg_b') }}",
    'models/marts/m3.sql': "{{ config(tags=['nightly']) }} select * from {{ ref('m2') }}",
    'seeds/lookup.csv': 'x\n1\n',
    'tests/assert_m3.sql': "select * from {{ ref('m3') }} where false",
  }),
);

const REL = 'relationships_stg_b_a_id__id__ref_stg_a_';
const name = (id: string) =>
  id
    .split('.')
    .slice(2)
    .join('.')
    .replace(/\.[0-9a-f]{10}$/, '');
const select = (sel: string[], command: DbtCommand = 'build', exclude: string[] = []) =>
  selectNodes(manifest, command, sel, exclude).map(name).sort();
const edgesOf = (sel: string[], command: DbtCommand = 'build') =>
  runEdges(manifest, selectNodes(manifest, command, sel), command).map(([a, b]) => `${name(a)} -> ${name(b)}`);

describe('selectNodes', () => {
  it('selects everything of the command types when nothing is selected', () => {
    expect(select([], 'run')).toEqual(['m1', 'm2', 'm3', 'stg_a', 'stg_b']);
    expect(select([], 'seed')).toEqual(['lookup']);
    expect(select([], 'test')).toEqual([
      'assert_m3',
      'not_null_stg_a_id',
      REL,
      'source_not_null_raw_orders_id',
      'unique_stg_a_id',
    ]);
  });

  it('selects by name, and tests follow the nodes they test (build: all they read is built; test: any)', () => {
    expect(select(['stg_b'])).toEqual(['stg_b']); // the relationships test also reads stg_a, not built here
    expect(select(['stg_a', 'stg_b'])).toContain(REL);
    expect(select(['stg_b'], 'test')).toEqual([REL]);
    expect(select(['m3'])).toEqual(['assert_m3', 'm3']);
    expect(select(['stg_b'], 'run')).toEqual(['stg_b']);
  });

  it('+name selects ancestors, name+ descendants, n+name n generations up', () => {
    expect(select(['+m3'], 'run')).toEqual(['m2', 'm3', 'stg_b']);
    expect(select(['stg_b+'], 'run')).toEqual(['m1', 'm2', 'm3', 'stg_b']);
    expect(select(['1+m3'], 'run')).toEqual(['m2', 'm3']);
    expect(select(['stg_b+1'], 'run')).toEqual(['m1', 'm2', 'stg_b']);
  });

  it('@name selects descendants and all their ancestors', () => {
    expect(select(['@stg_a'], 'run')).toEqual(['m1', 'stg_a', 'stg_b']);
  });

  it('selects by tag:, path:, resource_type: and folder', () => {
    expect(select(['tag:nightly'], 'run')).toEqual(['m3', 'stg_b']);
    expect(select(['path:models/marts'], 'run')).toEqual(['m1', 'm2', 'm3']);
    expect(select(['path:models/staging/stg_a.sql'], 'run')).toEqual(['stg_a']);
    expect(select(['resource_type:seed'])).toEqual(['lookup']);
    expect(select(['staging'], 'run')).toEqual(['stg_a', 'stg_b']);
    expect(select(['marts.m1'], 'run')).toEqual(['m1']);
  });

  it('selects a source and the tests on it with source:', () => {
    expect(select(['source:raw+'], 'build')).toEqual([
      'm1',
      'not_null_stg_a_id',
      REL,
      'source_not_null_raw_orders_id',
      'stg_a',
      'unique_stg_a_id',
    ]);
  });

  it('intersects comma-separated parts and unites space-separated ones', () => {
    expect(select(['tag:nightly,stg_b+'], 'run')).toEqual(['m3', 'stg_b']);
    expect(select(['tag:nightly,path:models/marts'], 'run')).toEqual(['m3']);
    expect(select(['stg_a m3'], 'run')).toEqual(['m3', 'stg_a']);
    expect(select(['stg_a', 'm3'], 'run')).toEqual(['m3', 'stg_a']);
  });

  it('removes --exclude matches', () => {
    expect(select(['+m3'], 'run', ['stg_b'])).toEqual(['m2', 'm3']);
    expect(select([], 'run', ['tag:nightly'])).toEqual(['m1', 'm2', 'stg_a']);
  });

  // dbt docs: `dbt test --exclude "orders"` tests all models except tests associated with the orders model.
  it('--exclude of a model excludes the tests on it too', () => {
    expect(select([], 'test', ['stg_a'])).toEqual(['assert_m3', 'source_not_null_raw_orders_id']);
    expect(select(['+m3'], 'build', ['stg_b'])).toEqual(['assert_m3', 'm2', 'm3']);
  });

  it('fails on a selector that matches nothing or an unknown method', () => {
    expect(errorOf(() => select(['nope']))).toBe("--select: 'nope' matches nothing in the project");
    expect(errorOf(() => select(['stg_a', 'nope+']))).toBe("--select: 'nope+' matches nothing in the project");
    expect(errorOf(() => select(['colour:red']))).toMatch(/^--select: unknown selector method 'colour:'/);
  });
});

describe('runEdges', () => {
  it('orders by dependencies between selected nodes, also through unselected ones', () => {
    expect(edgesOf(['stg_b', 'm3'], 'run')).toEqual(['stg_b -> m3']);
    expect(edgesOf(['m1', 'm3'], 'run')).toEqual([]);
  });

  it('in build, puts a model’s tests before its children', () => {
    const edges = edgesOf([]);
    expect(edges).toEqual(
      expect.arrayContaining(['stg_a -> unique_stg_a_id', 'unique_stg_a_id -> m1', 'not_null_stg_a_id -> m1']),
    );
  });

  it('in build, a relationships test blocks only children that descend from both models it reads', () => {
    const edges = edgesOf([]);
    expect(edges).toContain(`stg_b -> ${REL}`);
    expect(edges).toContain(`stg_a -> ${REL}`);
    expect(edges).toContain(`${REL} -> m1`); // m1 reads stg_a and stg_b
    expect(edges).not.toContain(`${REL} -> m2`); // m2 reads only stg_b
    expect(edges.filter((e) => e.startsWith(`${REL} ->`))).toEqual([`${REL} -> m1`]);
  });

  it('in run, tests add no edges', () => {
    expect(edgesOf([], 'run').some((e) => e.includes('unique_stg_a_id'))).toBe(false);
  });
});
