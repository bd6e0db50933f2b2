import { GraphError, type DependencyGraph } from '../../../lib/graph';
import { RunQueue } from '../../../lib/run-queue';

const graph = (nodes: string[], edges: Array<[string, string]> = []): DependencyGraph => ({ nodes, edges });
/** Each node depends on the one before it. */
const chain = (...nodes: string[]): DependencyGraph =>
  graph(
    nodes,
    nodes.slice(1).map((n, i) => [nodes[i], n]),
  );
/** `c` depends on both `a` and `b`. */
const join = (): DependencyGraph =>
  graph(
    ['a', 'b', 'c'],
    [
      ['a', 'c'],
      ['b', 'c'],
    ],
  );

/** Runs the queue to the end, completing started nodes first in, first out, failing those in `failing`. */
function drive(queue: RunQueue, failing: string[] = []): { starts: string[]; skips: string[] } {
  const starts: string[] = [];
  const skips: string[] = [];
  const running: string[] = [];
  while (!queue.done) {
    const { start, skip } = queue.next();
    starts.push(...start);
    skips.push(...skip);
    running.push(...start);
    const id = running.shift();
    if (id === undefined) throw new Error(`stuck with ${queue.pendingCount} pending`);
    if (failing.includes(id)) queue.fail(id);
    else queue.complete(id);
  }
  return { starts, skips };
}

describe('run queue', () => {
  it('starts ready nodes in topological order, stable by name', () => {
    const queue = new RunQueue(graph(['c', 'b', 'a', 'z'], [['z', 'a']]), { parallelism: 10 });
    expect(queue.order).toEqual(['b', 'c', 'z', 'a']);
    expect(queue.next()).toEqual({ start: ['b', 'c', 'z'], skip: [], groups: [['b'], ['c'], ['z']] });
    queue.complete('z');
    expect(queue.next()).toEqual({ start: ['a'], skip: [], groups: [['a']] });
  });

  it('runs a chain one after the other whatever the parallelism', () => {
    const queue = new RunQueue(chain('a', 'b', 'c'));
    expect(drive(queue)).toEqual({ starts: ['a', 'b', 'c'], skips: [] });
    expect(queue.done).toBe(true);
  });

  it('holds at most `parallelism` nodes and starts the next when a slot frees', () => {
    const queue = new RunQueue(graph(['a', 'b', 'c', 'd', 'e']), { parallelism: 2 });
    expect(queue.next().start).toEqual(['a', 'b']);
    expect(queue.next().start).toEqual([]);
    expect(queue.running).toEqual(['a', 'b']);
    queue.complete('b');
    expect(queue.next().start).toEqual(['c']);
    expect(queue.running).toEqual(['a', 'c']);
    expect(queue.pendingCount).toBe(2);
    expect(queue.activeCount).toBe(2);
  });

  it('frees the slot of a released node but keeps its children waiting until it completes', () => {
    const queue = new RunQueue(graph(['a', 'b', 'c'], [['a', 'c']]), { parallelism: 1 });
    expect(queue.next().start).toEqual(['a']);
    queue.release('a');
    expect(queue.running).toEqual([]);
    expect(queue.activeCount).toBe(1);
    expect(queue.next().start).toEqual(['b']);
    queue.complete('b');
    expect(queue.next().start).toEqual([]);
    queue.complete('a');
    expect(queue.next().start).toEqual(['c']);
  });

  it('skips every descendant of a failed node, not its siblings or their children', () => {
    // a → b → c → d, b → e; a → f → g; h alone
    const queue = new RunQueue(
      graph(
        ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
        [
          ['a', 'b'],
          ['b', 'c'],
          ['c', 'd'],
          ['b', 'e'],
          ['a', 'f'],
          ['f', 'g'],
        ],
      ),
      { parallelism: 8 },
    );
    const { starts, skips } = drive(queue, ['b']);
    expect(skips.sort()).toEqual(['c', 'd', 'e']);
    expect(starts.sort()).toEqual(['a', 'b', 'f', 'g', 'h']);
  });

  it('skips the whole subtree in the step right after the failure', () => {
    const queue = new RunQueue(chain('a', 'b', 'c', 'd'));
    queue.next();
    queue.fail('a');
    expect(queue.next()).toEqual({ start: [], skip: ['b', 'c', 'd'], groups: [] });
    expect(queue.done).toBe(true);
  });

  it('skips a node one of whose two parents failed, even though the other succeeded', () => {
    const queue = new RunQueue(join());
    expect(queue.next().start).toEqual(['a', 'b']);
    queue.complete('a');
    queue.fail('b');
    expect(queue.next()).toEqual({ start: [], skip: ['c'], groups: [] });
  });

  it('starts a node with two parents only once both succeeded', () => {
    const queue = new RunQueue(join());
    expect(queue.next().start).toEqual(['a', 'b']);
    queue.complete('a');
    expect(queue.next()).toEqual({ start: [], skip: [], groups: [] });
    queue.complete('b');
    expect(queue.next()).toEqual({ start: ['c'], skip: [], groups: [['c']] });
  });

  it('refuses a cycle and an edge to an unknown node', () => {
    expect(
      () =>
        new RunQueue(
          graph(
            ['a', 'b', 'c'],
            [
              ['a', 'b'],
              ['b', 'a'],
            ],
          ),
        ),
    ).toThrow(GraphError);
    expect(() => new RunQueue(graph(['a'], [['a', 'x']]))).toThrow(/unknown node/);
  });

  it('is done at once for an empty graph', () => {
    const queue = new RunQueue(graph([]));
    expect(queue.done).toBe(true);
    expect(queue.next()).toEqual({ start: [], skip: [], groups: [] });
    expect(queue.order).toEqual([]);
  });

  it('refuses a parallelism below one', () => {
    expect(() => new RunQueue(graph(['a']), { parallelism: 0 })).toThrow(TypeError);
    expect(() => new RunQueue(graph(['a']), { parallelism: 1.5 })).toThrow(TypeError);
  });

  it('refuses reports about nodes that are not running', () => {
    const queue = new RunQueue(graph(['a', 'b'], [['a', 'b']]));
    expect(() => queue.complete('b')).toThrow(/b is pending/);
    expect(() => queue.fail('x')).toThrow(/unknown node x/);
    queue.next();
    queue.complete('a');
    expect(() => queue.complete('a')).toThrow(/a is succeeded/);
    expect(() => queue.release('a')).toThrow(/not running/);
  });

  it('counts every release, completion and failure in its version', () => {
    const queue = new RunQueue(graph(['a', 'b', 'c']));
    queue.next();
    expect(queue.version).toBe(0);
    queue.release('a');
    queue.complete('a');
    queue.fail('b');
    expect(queue.version).toBe(3);
    queue.next();
    expect(queue.version).toBe(3);
  });
});

describe('run queue with batches (transform.batchNodes)', () => {
  const batch = (size: number, batchable: (id: string) => boolean = () => true) => ({ size, batchable });

  it('gives every started node its own group without batches', () => {
    const q = new RunQueue(graph(['a', 'b', 'c']), { parallelism: 2 });
    expect(q.next().groups).toEqual([['a'], ['b']]);
  });

  it('gives ready nodes the free slots first, then adds the rest to those groups, up to the batch size', () => {
    const q = new RunQueue(graph(['a', 'b', 'c', 'd', 'e']), { parallelism: 2, batch: batch(2) });
    const step = q.next();
    expect(step.groups).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
    expect(step.start).toEqual(['a', 'b', 'c', 'd']);
    // Both slots are held: e waits until a whole group is done.
    q.complete('a');
    expect(q.next().start).toEqual([]);
    q.complete('c');
    expect(q.next().groups).toEqual([['e']]);
  });

  it('lets a chain run in one group, each node after its parent', () => {
    const q = new RunQueue(chain('a', 'b', 'c'), { parallelism: 1, batch: batch(8) });
    expect(q.next().groups).toEqual([['a', 'b', 'c']]);
  });

  it('keeps a child out of its parent group when it is not batchable or the group is full', () => {
    const g = graph(
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['a', 'c'],
      ],
    );
    const q = new RunQueue(g, { parallelism: 4, batch: batch(2, (id) => id !== 'c') });
    expect(q.next().groups).toEqual([['a', 'b']]);
    q.complete('a');
    q.complete('b');
    expect(q.next().groups).toEqual([['c']]);
  });

  it('runs nodes that are not batchable alone, in their own slots', () => {
    const q = new RunQueue(graph(['a', 'b', 'c', 'd']), { parallelism: 2, batch: batch(4, (id) => id !== 'a') });
    expect(q.next().groups).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('skips the descendants of a node skipped inside its group, and frees the slot with the last member', () => {
    const q = new RunQueue(graph(['a', 'b', 'c', 'd'], [['b', 'd']]), { parallelism: 1, batch: batch(2) });
    expect(q.next().groups).toEqual([['a', 'b']]);
    q.complete('a');
    q.skipStarted('b');
    const step = q.next();
    expect(step.skip).toEqual(['d']);
    expect(step.groups).toEqual([['c']]);
    q.complete('c');
    expect(q.done).toBe(true);
  });
});
