import { parentsOf, topologicalOrder, type DependencyGraph } from './graph';

/** Options of a {@link RunQueue}. */
export interface RunQueueOptions {
  /** Nodes holding a slot at once (dbt's `threads`). @default 4 */
  parallelism?: number;
}

/** What {@link RunQueue.next} decided: nodes to start now and nodes that will never run. */
export interface RunQueueStep {
  /** Nodes to start, in topological order; each now holds a slot. */
  start: string[];
  /** Nodes skipped because an ancestor failed, in topological order. */
  skip: string[];
}

type NodeState = 'pending' | 'running' | 'released' | 'succeeded' | 'failed' | 'skipped';

/**
 * Which nodes of a dependency graph run next: a node is ready once every parent succeeded, at most
 * `parallelism` nodes hold a slot, ready nodes start in topological order, and a failure skips every
 * descendant (never a sibling). Pure and synchronous, so the transform workflow, in-process runners and
 * the benchmark drive the same decisions; the caller runs the nodes and reports back.
 */
export class RunQueue {
  /** Every node, parents before children (stable by name). */
  readonly order: readonly string[];
  private readonly parents: Map<string, string[]>;
  private readonly parallelism: number;
  private readonly state = new Map<string, NodeState>();
  /** Pending nodes, kept in topological order. */
  private readonly pending: Set<string>;
  /** Nodes holding a slot, in start order. */
  private readonly slots = new Set<string>();
  private unfinished = 0;
  private changes = 0;

  /** Throws `GraphError` for a cycle or an edge to an unknown node, `TypeError` for a parallelism below 1. */
  constructor(graph: DependencyGraph, options: RunQueueOptions = {}) {
    const parallelism = options.parallelism ?? 4;
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new TypeError(`parallelism must be a whole number of at least 1, got ${parallelism}`);
    }
    this.parallelism = parallelism;
    this.order = topologicalOrder(graph);
    this.parents = parentsOf(graph);
    this.pending = new Set(this.order);
    for (const id of this.order) this.state.set(id, 'pending');
  }

  /**
   * Skips the pending descendants of failed nodes, then starts ready nodes (every parent succeeded) in
   * topological order while slots are free.
   */
  next(): RunQueueStep {
    const skip: string[] = [];
    for (const id of this.pending) {
      if (this.parents.get(id)!.some((p) => this.is(p, 'failed', 'skipped'))) {
        this.pending.delete(id);
        this.state.set(id, 'skipped');
        skip.push(id);
      }
    }
    const start: string[] = [];
    for (const id of this.pending) {
      if (this.slots.size >= this.parallelism) break;
      if (this.parents.get(id)!.every((p) => this.is(p, 'succeeded'))) {
        this.pending.delete(id);
        this.state.set(id, 'running');
        this.slots.add(id);
        this.unfinished++;
        start.push(id);
      }
    }
    return { start, skip };
  }

  /** Frees a running node's slot while it keeps working (e.g. waits for a check); its children still wait. */
  release(id: string): void {
    this.expect(id, 'running');
    this.state.set(id, 'released');
    this.slots.delete(id);
    this.changes++;
  }

  /** A started node succeeded: its children may start. */
  complete(id: string): void {
    this.finish(id, 'succeeded');
  }

  /** A started node failed: every descendant still pending will be skipped, its siblings run on. */
  fail(id: string): void {
    this.finish(id, 'failed');
  }

  /** Nodes holding a slot, in start order. */
  get running(): string[] {
    return [...this.slots];
  }

  /** Nodes neither started nor skipped. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Nodes started and not yet completed or failed (running or released). */
  get activeCount(): number {
    return this.unfinished;
  }

  /** True once every node succeeded, failed or was skipped. */
  get done(): boolean {
    return this.pending.size === 0 && this.unfinished === 0;
  }

  /**
   * A counter that grows with every release, completion and failure: when it has not moved since the
   * last {@link next}, calling `next` again would decide nothing new (a workflow waits on it).
   */
  get version(): number {
    return this.changes;
  }

  private finish(id: string, outcome: 'succeeded' | 'failed'): void {
    this.expect(id, 'running', 'released');
    this.state.set(id, outcome);
    this.slots.delete(id);
    this.unfinished--;
    this.changes++;
  }

  private is(id: string, ...states: NodeState[]): boolean {
    return states.includes(this.state.get(id)!);
  }

  private expect(id: string, ...states: NodeState[]): void {
    const now = this.state.get(id);
    if (now === undefined) throw new RangeError(`run queue: unknown node ${id}`);
    if (!states.includes(now)) throw new RangeError(`run queue: node ${id} is ${now}, not ${states.join(' or ')}`);
  }
}
