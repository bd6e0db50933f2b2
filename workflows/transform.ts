import { ActivityFailure, ApplicationFailure, condition } from '@temporalio/workflow';
import { parentsOf, topologicalOrder } from '../lib/graph';
import type { DataInterval } from '../lib/intervals';
import { warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link transform}. */
export interface TransformInput {
  interval: DataInterval;
  steps: StepOptions;
  /** Models built at once (dbt's `threads`). @default 4 */
  threads?: number;
  /**
   * When set, a model whose table has a quality rule file is checked right after it is built, under
   * this run id, so quarantined rows never reach the models downstream.
   */
  qualityRunId?: string;
}

/** One model's outcome. */
export interface ModelOutcome {
  model: string;
  status: 'success' | 'error' | 'skipped';
  rows?: number;
  /** Rows its quality rules moved out of the table before downstream models read it. */
  quarantined?: number;
  durationMs?: number;
  error?: string;
}

/** What {@link transform} built. */
export interface TransformResult {
  models: ModelOutcome[];
  failed: number;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Plans the model graph once, then builds models in dependency order with at most `threads` in
 * flight; a failed model skips only its descendants.
 */
export async function transform(input: TransformInput): Promise<TransformResult> {
  const acts = warehouseActivities(input.steps, 'transform');
  const graph = await acts.planTransform();
  const ruleFiles = input.qualityRunId ? await acts.listQualityRuleFiles({}) : [];
  const rulesFor = new Map(ruleFiles.map((f) => [f.table, f.file]));
  const order = topologicalOrder(graph);
  const parents = parentsOf(graph);
  const outcome = new Map<string, ModelOutcome>();
  const threads = input.threads ?? 4;
  let running = 0;

  const launch = async (model: string): Promise<void> => {
    const started = Date.now();
    try {
      const r = await acts.runModel({ model });
      const rules = rulesFor.get(r.table);
      const checked = rules
        ? await acts.runQualityRuleFile({ file: rules, runId: input.qualityRunId!, interval: input.interval })
        : undefined;
      const quarantined = checked?.quarantined;
      outcome.set(model, {
        model,
        status: 'success',
        rows: r.rows - (quarantined ?? 0),
        quarantined,
        durationMs: Date.now() - started,
      });
    } catch (err) {
      outcome.set(model, { model, status: 'error', durationMs: Date.now() - started, error: failureMessage(err) });
    } finally {
      running--;
    }
  };

  const inFlight: Array<Promise<void>> = [];
  const pending = new Set(order);
  while (pending.size > 0) {
    for (const model of [...pending]) {
      const ps = parents.get(model)!;
      if (ps.some((p) => outcome.get(p)?.status === 'error' || outcome.get(p)?.status === 'skipped')) {
        pending.delete(model);
        outcome.set(model, { model, status: 'skipped', error: 'an upstream model failed' });
      } else if (running < threads && ps.every((p) => outcome.get(p)?.status === 'success')) {
        pending.delete(model);
        running++;
        inFlight.push(launch(model));
      }
    }
    if (pending.size > 0 && running > 0) {
      const finished = outcome.size;
      await condition(() => outcome.size > finished); // a model finished: re-evaluate what is ready
    }
  }
  await Promise.all(inFlight);
  const models = order.map((m) => outcome.get(m)!);
  return { models, failed: models.filter((m) => m.status === 'error').length };
}
