import { transformSchema } from '../../../lib/config/project-schema';
import { batchSummary } from '../../../workflows/transform-node-batch';

const model = (name: string, tests = 0) => ({
  id: `model.p.${name}`,
  name,
  type: 'model' as const,
  ...(tests ? { tests: Array.from({ length: tests }, (_, i) => ({ id: `t${i}`, name: `t${i}` })) } : {}),
});

describe('node batches', () => {
  it('labels a batch with each of its nodes, in order', () => {
    expect(batchSummary([model('a'), model('b', 2), model('c', 1)])).toBe(
      '3 nodes: model a, model b + 2 tests, model c + 1 test',
    );
  });

  it('keeps the label within the server limit, saying how many nodes it leaves out', () => {
    const nodes = Array.from({ length: 32 }, (_, i) => model(`int_customer_orders_enriched_${i}`));
    const text = batchSummary(nodes);
    expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(400);
    expect(text).toMatch(/^32 nodes: model int_customer_orders_enriched_0, .*, … \d+ more$/);
  });

  it('batches up to 8 views, ephemerals and tests by default, and refuses more than 32 nodes or heartbeating kinds', () => {
    expect(transformSchema.parse({})).toMatchObject({
      batchNodes: 8,
      batchMaterializations: ['view', 'ephemeral', 'test'],
    });
    expect(() => transformSchema.parse({ batchNodes: 33 })).toThrow();
    expect(() => transformSchema.parse({ batchMaterializations: ['table', 'incremental'] })).toThrow(
      /incremental, snapshot and seed nodes always run in their own activity/,
    );
  });
});
