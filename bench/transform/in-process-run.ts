import type { NodeRunResult, TransformActivities } from '../../activities/transform';
import { RunQueue } from '../../lib/run-queue';
import { addTo, type ByType } from './node-times';
import { projectDir } from './paths';

/** What the in-process run took and ran. */
export interface InProcessRun {
  ms: number;
  planMs: number;
  nodes: number;
  failed: number;
  byType: ByType;
  errors: string[];
  /** CPU this process used (JS and DuckDB's threads). */
  cpuMs: number;
}

/**
 * Ours without Temporal: planTransform, then runNode for every node as the run queue releases it, at most
 * `threads` at a time (the transform workflow's scheduling, minus quality checks).
 */
export async function runInProcess(acts: TransformActivities, threads: number): Promise<InProcessRun> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const plan = await acts.planTransform({ projectDir, command: 'build' });
  const planMs = performance.now() - t;
  const queue = new RunQueue({ nodes: plan.nodes.map((n) => n.id), edges: plan.edges }, { parallelism: threads });
  const typeOf = new Map(plan.nodes.map((n) => [n.id, n.type]));
  const testsOf = new Map(plan.nodes.map((n) => [n.id, n.tests?.map((x) => x.id)]));
  const byType: InProcessRun['byType'] = {};
  const errors: string[] = [];
  let failed = 0;
  const base = {
    manifestFile: plan.manifestFile,
    checksum: plan.checksum,
    invocationId: `bench-in-process-${Date.now()}`,
    runStartedAt: new Date().toISOString(),
  };
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      for (const id of queue.next().start) {
        const started = performance.now();
        acts
          .runNode({ ...base, nodeId: id, tests: testsOf.get(id) })
          .then(
            (r: NodeRunResult) => {
              const bad = [r, ...(r.tests ?? [])].filter((x) => x.status === 'fail' || x.status === 'error');
              for (const x of bad) errors.push(`${x.id}: ${x.message}`);
              return bad.length === 0;
            },
            (err: unknown) => {
              errors.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
              return false;
            },
          )
          .then((ok) => {
            addTo(byType, typeOf.get(id)!, performance.now() - started);
            if (ok) queue.complete(id);
            else {
              failed++;
              queue.fail(id);
            }
            pump();
          })
          .catch(reject);
      }
      if (queue.done) resolve();
    };
    pump();
  });
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const nodes = plan.nodes.reduce((n, x) => n + 1 + (x.tests?.length ?? 0), 0); // tests run inside their model's activity
  return { ms, planMs, nodes, failed, byType, errors, cpuMs };
}
