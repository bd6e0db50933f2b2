import { parentsOf, topologicalOrder, type DependencyGraph } from './graph';

/** Options of a {@link RunQueue}. */
export interface RunQueueOptions {
  /** Nodes holding a slot at once (dbt's `threads`). @default 4 */
  parallelism?: number;
  /**
   * Run several ready nodes as one group holding one slot: up to `size` nodes `batchable` says may share one. Ready
   * nodes take free slots first, each a group of its own, as without batches; once none is free, further ones join
   * the emptiest group this step started, and a node whose parents run in such a group joins it (after them).
   * Without it every node is its own group.
   */
  batch?: { size: number; batchable: (id: string) => boolean };
}

/** What {@link RunQueue.next} decided: nodes to start now and nodes that will never run. */
export interface RunQueueStep {
  /** Nodes to start, in topological order; each now holds a slot. */
  start: string[];
  /** Nodes skipped because an ancestor failed, in topological order. */
  skip: string[];
  /** The started nodes grouped as they run: one group per slot, its nodes in topological order. */
  groups: string[][];
}

type NodeState = 'pending' | 'running' | 'released' | 'succeeded' | 'failed' | 'skipped';

/** Members of one started group that have not finished or released yet: the group holds its slot until none is left. */
type Group = Set<string>;

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
  private readonly batch: RunQueueOptions['batch'];
  private readonly state = new Map<string, NodeState>();
  /** Pending nodes, kept in topological order. */
  private readonly pending: Set<string>;
  /** Started nodes not yet finished or released, in start order, each with the group whose slot it shares. */
  private readonly slots = new Map<string, Group>();
  /** Groups holding a slot. */
  private held = 0;
  private unfinished = 0;
  private changes = 0;

  /** Throws `GraphError` for a cycle or an edge to an unknown node, `TypeError` for a parallelism below 1. */
  constructor(graph: DependencyGraph, options: RunQueueOptions = {}) {
    const parallelism = options.parallelism ?? 4;
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new TypeError(`parallelism must be a whole number of at least 1, got ${parallelism}`);
    }
    this.parallelism = parallelism;
    this.batch = options.batch && options.batch.size > 1 ? options.batch : undefined;
    this.order = topologicalOrder(graph);
    this.parents = parentsOf(graph);
    this.pending = new Set(this.order);
    for (const id of this.order) this.state.set(id, 'pending');
  }

  /**
   * Skips the pending descendants of failed nodes, then starts ready nodes (every parent succeeded, or runs
   * before it in the same group) in topological order while slots are free.
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
    const groups: string[][] = [];
    const size = this.batch?.size ?? 1;
    /** Batchable groups this call started that still have room. */
    const forming: Array<{ ids: string[]; group: Group }> = [];
    for (const id of this.pending) {
      const free = this.held < this.parallelism;
      if (!free && forming.length === 0) break;
      const parents = this.parents.get(id)!;
      const waiting = parents.filter((p) => !this.is(p, 'succeeded'));
      const batchable = this.batch?.batchable(id) ?? false;
      let joins: { ids: string[]; group: Group } | undefined;
      if (waiting.length > 0) {
        // Parents still running: only a batchable node whose parents all run before it in one forming group joins it.
        joins = batchable ? forming.find((f) => waiting.every((p) => f.group.has(p))) : undefined;
        if (!joins) continue;
      } else if (!free) {
        // No slot left: a batchable node rides along in the emptiest forming group.
        if (!batchable) continue;
        joins = forming.reduce((a, b) => (b.ids.length < a.ids.length ? b : a));
      }
      let group: Group;
      if (joins) {
        group = joins.group;
        joins.ids.push(id);
        if (joins.ids.length >= size) forming.splice(forming.indexOf(joins), 1);
      } else {
        group = new Set();
        this.held++;
        const ids = [id];
        groups.push(ids);
        if (batchable && size > 1) forming.push({ ids, group });
      }
      group.add(id);
      this.pending.delete(id);
      this.state.set(id, 'running');
      this.slots.set(id, group);
      this.unfinished++;
      start.push(id);
    }
    return { start, skip, groups };
  }

  /** Frees a running node's slot while it keeps working (e.g. waits for a check); its children still wait. */
  release(id: string): void {
    this.expect(id, 'running');
    this.state.set(id, 'released');
    this.leaveSlot(id);
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

  /** A started node did not run because a node before it in its group failed: its descendants are skipped too. */
  skipStarted(id: string): void {
    this.finish(id, 'skipped');
  }

  /** Nodes holding a slot, in start order. */
  get running(): string[] {
    return [...this.slots.keys()];
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

  private finish(id: string, outcome: 'succeeded' | 'failed' | 'skipped'): void {
    this.expect(id, 'running', 'released');
    this.state.set(id, outcome);
    this.leaveSlot(id);
    this.unfinished--;
    this.changes++;
  }

  /** The node stops holding its group's slot; the slot frees with the group's last member. */
  private leaveSlot(id: string): void {
    const group = this.slots.get(id);
    if (!group) return;
    this.slots.delete(id);
    group.delete(id);
    if (group.size === 0) this.held--;
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
