import { GraphError, parentsOf, topologicalOrder } from '../../../lib/graph';

describe('dependency graph', () => {
  const graph = {
    nodes: ['marts', 'stg_b', 'stg_a', 'int'],
    edges: [
      ['stg_a', 'int'],
      ['stg_b', 'int'],
      ['int', 'marts'],
    ] as Array<[string, string]>,
  };

  it('orders parents before children, stably by name', () => {
    expect(topologicalOrder(graph)).toEqual(['stg_a', 'stg_b', 'int', 'marts']);
  });

  it('lists parents per node', () => {
    expect(parentsOf(graph).get('int')).toEqual(['stg_a', 'stg_b']);
  });

  it('names the nodes of a cycle', () => {
    expect(() =>
      topologicalOrder({
        nodes: ['a', 'b', 'c'],
        edges: [
          ['a', 'b'],
          ['b', 'a'],
        ],
      }),
    ).toThrow(new GraphError('dependency cycle among: a, b'));
  });

  it('rejects an edge to an unknown node', () => {
    expect(() => topologicalOrder({ nodes: ['a'], edges: [['a', 'x']] })).toThrow(/unknown node/);
  });
});
