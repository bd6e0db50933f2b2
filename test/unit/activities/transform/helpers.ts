import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTransformActivities,
  DEFAULT_TARGET,
  parseProject,
  type Manifest,
  type NodeRunResult,
  type PlanInput,
  type TransformPlan,
} from '../../../../activities/transform';
import { DuckDbWarehouse, type Row } from '../../../../activities/warehouse';
import { topologicalOrder } from '../../../../lib/graph';
import { RunQueue } from '../../../../lib/run-queue';
import { tmpDir } from '../../../helpers/tmp';
import { writeFiles } from '../../../helpers/project-files';
import { dbtCorpus } from '../../../helpers/dbt-corpus';

/** Writes a dbt project into a fresh temp folder (`dbt_project.yml` defaults to `name: p`). */
export function writeProject(files: Record<string, string>): string {
  const dir = tmpDir('edp-dbt-');
  writeFiles(dir, { 'dbt_project.yml': 'name: p\n', ...files });
  return dir;
}

/** A project with dbt_utils (from the corpus) installed in dbt_packages/. */
export function withDbtUtils(files: Record<string, string>): string {
  const dir = writeProject({ 'packages.yml': 'packages:\n  - local: ../dbt_utils\n', ...files });
  cpSync(join(dbtCorpus(), 'packages', 'dbt_utils'), join(dir, 'dbt_packages', 'dbt_utils'), { recursive: true });
  rmSync(join(dir, 'dbt_packages', 'dbt_utils', 'integration_tests'), { recursive: true });
  return dir;
}

export { writeFiles };

/** Parses a project with the default target (schema `main`). */
export function parse(dir: string, vars?: Record<string, unknown>): Manifest {
  return parseProject(dir, { target: DEFAULT_TARGET, vars });
}

/** A project's node by name (models, seeds, snapshots, tests). */
export function nodeNamed(manifest: Manifest, name: string) {
  const node = Object.values(manifest.nodes).find((n) => n.name === name);
  if (!node) {
    const have = Object.values(manifest.nodes).map((n) => n.name);
    throw new Error(`no node named ${name} (have ${have.join(', ')})`);
  }
  return node;
}

/** The message of what `fn` throws (fails the test when it does not throw). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error, nothing was thrown');
}

let invocations = 0;

/** A project's transform activities on an in-memory DuckDB; `close()` when done. */
export class Runner {
  private constructor(
    readonly dir: string,
    readonly warehouse: DuckDbWarehouse,
    readonly activities: ReturnType<typeof createTransformActivities>,
  ) {}

  static async open(dir: string): Promise<Runner> {
    const warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    return new Runner(dir, warehouse, createTransformActivities({ warehouse, projectDir: dir }));
  }

  /** planTransform, awaited (as Temporal calls it). */
  async plan(input: PlanInput = {}): Promise<TransformPlan> {
    return await this.activities.planTransform(input);
  }

  /** Plans and runs every selected node in order; results by node name. */
  async build(
    input: PlanInput = {},
    run: { invocationId?: string; runStartedAt?: string; fullRefresh?: boolean; storeFailures?: boolean } = {},
  ): Promise<Record<string, NodeRunResult>> {
    const plan = await this.plan(input);
    const invocationId = run.invocationId ?? `inv-${++invocations}`;
    const runStartedAt = run.runStartedAt ?? new Date().toISOString();
    const out: Record<string, NodeRunResult> = {};
    const byId = new Map(plan.nodes.map((n) => [n.id, n]));
    for (const nodeId of topologicalOrder({ nodes: plan.nodes.map((n) => n.id), edges: plan.edges })) {
      const result = await this.activities.runNode({
        manifestFile: plan.manifestFile,
        checksum: plan.checksum,
        nodeId,
        invocationId,
        runStartedAt,
        fullRefresh: run.fullRefresh,
        storeFailures: run.storeFailures,
        tests: byId.get(nodeId)!.tests?.map((t) => t.id),
      });
      out[result.name] = result;
      for (const t of result.tests ?? []) out[t.name] = t; // tests planned into the node's activity
    }
    return out;
  }

  /**
   * Plans and runs the selected nodes as the transform workflow does: concurrently, up to `parallelism`
   * at once, each starting when its parents in the plan succeeded. Results by node name.
   */
  async buildConcurrently(input: PlanInput = {}, parallelism = 4): Promise<Record<string, NodeRunResult>> {
    const plan = await this.plan(input);
    const invocationId = `inv-${++invocations}`;
    const runStartedAt = new Date().toISOString();
    const queue = new RunQueue({ nodes: plan.nodes.map((n) => n.id), edges: plan.edges }, { parallelism });
    const byId = new Map(plan.nodes.map((n) => [n.id, n]));
    const out: Record<string, NodeRunResult> = {};
    const running = new Map<string, Promise<string>>();
    for (;;) {
      for (const nodeId of queue.next().start) {
        const run = this.activities.runNode({
          manifestFile: plan.manifestFile,
          checksum: plan.checksum,
          nodeId,
          invocationId,
          runStartedAt,
          tests: byId.get(nodeId)!.tests?.map((t) => t.id),
        });
        running.set(
          nodeId,
          run.then((result) => {
            out[result.name] = result;
            for (const t of result.tests ?? []) out[t.name] = t;
            return nodeId;
          }),
        );
      }
      if (running.size === 0) return out;
      const done = await Promise.race(running.values());
      running.delete(done);
      queue.complete(done);
    }
  }

  query<T extends Row = Row>(sql: string): Promise<T[]> {
    return this.warehouse.query<T>(sql);
  }

  close(): Promise<void> {
    return this.warehouse.close();
  }
}
