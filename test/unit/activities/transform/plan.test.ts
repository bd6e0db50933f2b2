import { planProject } from '../../../../activities/transform';
import { writeProject } from './helpers';

//   a ──► b      tests: unique/not_null on a.id, relationships b.a_id → a.id
const dir = writeProject({
  'models/a.sql': 'select 1 as id',
  'models/b.sql': "select 1 as id, 1 as a_id from {{ ref('a') }}",
  'models/_props.yml': `models:
  - name: a
    columns:
      - name: id
        data_tests: [unique, not_null]
  - name: b
    columns:
      - name: a_id
        data_tests:
          - relationships: { to: "ref('a')", field: id }
`,
});
const short = (id: string) =>
  id
    .replace(/\.[0-9a-f]{10}$/, '')
    .split('.')
    .pop()!;

describe('planProject', () => {
  it("runs a node's single-parent tests in its activity, and moves their edges to the node", () => {
    const { plan } = planProject(dir, { command: 'build' });
    expect(plan.nodes.map((n) => [short(n.id), (n.tests ?? []).map((t) => t.name).sort()])).toEqual([
      ['a', ['not_null_a_id', 'unique_a_id']],
      ['b', []],
      ['relationships_b_a_id__id__ref_a_', []],
    ]);
    expect(plan.edges.map(([p, c]) => `${short(p)} -> ${short(c)}`).sort()).toEqual([
      'a -> b',
      'a -> relationships_b_a_id__id__ref_a_',
      'b -> relationships_b_a_id__id__ref_a_',
    ]);
  });

  it('keeps the tests of tables with quality rules as nodes of their own (they run after the rules)', () => {
    const { plan } = planProject(dir, { command: 'build', separateTestsOf: ['main.a'] });
    expect(plan.nodes.map((n) => short(n.id)).sort()).toEqual([
      'a',
      'b',
      'not_null_a_id',
      'relationships_b_a_id__id__ref_a_',
      'unique_a_id',
    ]);
    expect(plan.edges.map(([p, c]) => `${short(p)} -> ${short(c)}`)).toContain('unique_a_id -> b');
  });

  it('does not bundle outside build', () => {
    const { plan } = planProject(dir, { command: 'test' });
    expect(plan.nodes.every((n) => n.tests === undefined)).toBe(true);
    expect(plan.nodes).toHaveLength(3);
  });
});
