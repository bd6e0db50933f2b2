import { ApplicationFailure } from '@temporalio/common';
import type { DependencyGraph } from '../../lib/graph';
import { classified, ErrorType } from '../errors';
import { KeyedLock } from '../keyed-lock';
import { withHeartbeat } from '../heartbeat';
import { logEvent, recordMillis } from '../telemetry';
import { ensureSchema, type Warehouse } from '../warehouse';
import { compileModel, loadModelProject, ModelError } from './model-project';

/** What the transform activities need from the worker. */
export interface TransformDeps {
  warehouse: Warehouse;
  /** The models/ folder. */
  modelsDir: string;
}

/** The plan the workflow runs: node ids and edges only, never SQL or rows. */
export type TransformPlan = DependencyGraph;

/** One model's build. */
export interface ModelRunResult {
  model: string;
  table: string;
  rows: number;
}

/** Builds the transform activities over a warehouse and a models folder. */
export function createTransformActivities(deps: TransformDeps) {
  const load = () => {
    try {
      return loadModelProject(deps.modelsDir);
    } catch (err) {
      if (err instanceof ModelError || (err as Error).name === 'GraphError') {
        throw ApplicationFailure.nonRetryable((err as Error).message, ErrorType.BadInput);
      }
      throw err;
    }
  };
  const lock = new KeyedLock();
  return {
    /** Parses the project once and returns its graph. */
    planTransform(): Promise<TransformPlan> {
      return Promise.resolve(load().graph);
    },

    /** Rebuilds one model as a table (`CREATE OR REPLACE`, so a retry is harmless). */
    async runModel(input: { model: string }): Promise<ModelRunResult> {
      const project = load();
      const model = project.models.get(input.model);
      if (!model) throw ApplicationFailure.nonRetryable(`unknown model "${input.model}"`, ErrorType.BadInput);
      const w = deps.warehouse;
      const ref = { schema: model.layer, table: model.name };
      return classified(`model ${model.name} (${model.file})`, () =>
        withHeartbeat(() =>
          lock.run(`${model.layer}.${model.name}`, async () => {
            const started = performance.now();
            await ensureSchema(w, model.layer);
            await w.execute(w.dialect.createTableAs(ref, compileModel(project, model)));
            const [row] = await w.query<{ n: string }>(`SELECT count(*) AS n FROM ${w.dialect.table(ref)}`);
            const ms = performance.now() - started;
            recordMillis('edp_model_duration_ms', ms, { model: model.name, layer: model.layer }, 'Model build time');
            logEvent('model built', { model: model.name, rows: Number(row.n), ms: Math.round(ms) });
            return { model: model.name, table: `${model.layer}.${model.name}`, rows: Number(row.n) };
          }),
        ),
      );
    },
  };
}

/** The transform activities as the worker registers them. */
export type TransformActivities = ReturnType<typeof createTransformActivities>;
