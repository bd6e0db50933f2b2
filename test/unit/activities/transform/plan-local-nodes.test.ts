import { planProject } from '../../../../activities/transform';
import { transformSchema } from '../../../../lib/config/project-schema';
import { writeProject } from './helpers';

//   v (view) ──► t (table), a test bundled into v and one reading both
const dir = writeProject({
  'models/v.sql': "{{ config(materialized='view') }} select 1 as id",
  'models/t.sql': "{{ config(materialized='table') }} select id from {{ ref('v') }}",
  'models/_props.yml': `models:
  - name: v
    columns:
      - name: id
        data_tests: [not_null]
  - name: t
    columns:
      - name: id
        data_tests:
          - relationships: { to: "ref('v')", field: id }
`,
});
const short = (id: string) =>
  id
    .replace(/\.[0-9a-f]{10}$/, '')
    .split('.')
    .pop()!;

describe('local dbt nodes (transform.localNodes)', () => {
  it('marks the planned nodes whose materialization the input names, and no others', () => {
    const { plan } = planProject(dir, { command: 'build', localMaterializations: ['view', 'test'] });
    expect(Object.fromEntries(plan.nodes.map((n) => [short(n.id), n.local ?? false]))).toEqual({
      v: true,
      t: false,
      relationships_t_id__id__ref_v_: true,
    });
  });

  it('marks none without the input (plans of runs that do not use them stay as they were)', () => {
    const { plan } = planProject(dir, { command: 'build' });
    expect(plan.nodes.filter((n) => 'local' in n)).toEqual([]);
  });

  it('refuses materializations that must heartbeat (incremental, snapshot, seed) and defaults to none', () => {
    expect(transformSchema.parse({}).localNodes).toEqual([]);
    expect(transformSchema.parse({ localNodes: ['view', 'ephemeral', 'test'] }).localNodes).toEqual([
      'view',
      'ephemeral',
      'test',
    ]);
    for (const m of ['incremental', 'snapshot', 'seed']) {
      expect(() => transformSchema.parse({ localNodes: ['view', m] })).toThrow(/heartbeat/);
    }
  });
});
