import { z } from 'zod';
import { topologicalOrder } from '../graph';
import { PIPELINE_STEPS } from '../ids';
import { planGraph } from '../pipeline-plan';
import type { DeclaredPipelineConfig, PipelineStepConfig } from './pipelines-schema';

/** The parts of the root config the pipeline checks read. */
interface PipelinesContext {
  pipeline: { name: string };
  pipelines: DeclaredPipelineConfig[];
  landing: { entities: ReadonlyArray<{ name: string }> };
  sources: ReadonlyArray<{ name: string; tables: ReadonlyArray<{ name: string }> }>;
}

/** Tables a step writes: the ones it declares, and for ingest the `raw` tables of its entities and SQL tables. */
export function producedTables(
  step: PipelineStepConfig,
  config: Pick<PipelinesContext, 'landing' | 'sources'>,
): string[] {
  if (step.kind !== 'ingest') return step.produces;
  const entities = step.entities ?? config.landing.entities.map((e) => e.name);
  const tables = step.sqlTables ?? config.sources.flatMap((s) => s.tables.map((t) => `${s.name}.${t.name}`));
  return [
    ...new Set([...step.produces, ...entities.map((e) => `raw.${e}`), ...tables.map((t) => `raw.${t.split('.')[1]}`)]),
  ];
}

/**
 * Cross-key checks of the `pipelines` section, each reported at its key: unique names, step dependencies that
 * exist and form no cycle, ingest entities and SQL tables that are configured, interval SLAs only on scheduled
 * pipelines, and triggers naming a declared pipeline, step or produced table without a trigger cycle.
 */
export function checkPipelines(config: PipelinesContext, ctx: z.RefinementCtx): void {
  const issue = (path: Array<string | number>, message: string): void =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['pipelines', ...path], message });
  const byName = new Map(config.pipelines.map((p) => [p.name, p]));
  const entities = new Set(config.landing.entities.map((e) => e.name));
  const sqlTables = new Set(config.sources.flatMap((s) => s.tables.map((t) => `${s.name}.${t.name}`)));
  const seen = new Set<string>();
  config.pipelines.forEach((p, i) => {
    if (seen.has(p.name)) issue([i, 'name'], `pipeline ${p.name} is declared twice`);
    if (p.name === config.pipeline.name)
      issue([i, 'name'], `${p.name} is the pipeline section's name; give this pipeline another`);
    seen.add(p.name);
    const steps = new Set<string>();
    p.steps.forEach((s, j) => {
      if (steps.has(s.name)) issue([i, 'steps', j, 'name'], `step ${s.name} is declared twice`);
      steps.add(s.name);
    });
    p.steps.forEach((s, j) => {
      s.dependsOn.forEach((d, k) => {
        if (!steps.has(d)) issue([i, 'steps', j, 'dependsOn', k], `no step ${d} in pipeline ${p.name}`);
        if (d === s.name) issue([i, 'steps', j, 'dependsOn', k], 'a step cannot depend on itself');
      });
      if (s.kind !== 'ingest') return;
      s.entities?.forEach((e, k) => {
        if (!entities.has(e)) issue([i, 'steps', j, 'entities', k], `no landing entity ${e} (landing.entities)`);
      });
      s.sqlTables?.forEach((t, k) => {
        if (!sqlTables.has(t)) issue([i, 'steps', j, 'sqlTables', k], `no SQL table ${t} (sources[].tables)`);
      });
    });
    for (const key of ['latencyMinutes', 'availability'] as const)
      if (p.sla?.[key] !== undefined && !p.schedule)
        issue([i, 'sla', key], `judges the runs of each scheduled interval; pipeline ${p.name} has no schedule`);
    if (p.steps.every((s) => s.dependsOn.every((d) => steps.has(d) && d !== s.name))) {
      try {
        topologicalOrder(planGraph(p));
      } catch (err) {
        issue([i, 'steps'], (err as Error).message);
      }
    }
  });
  const produced = new Set(config.pipelines.flatMap((p) => p.steps.flatMap((s) => producedTables(s, config))));
  config.pipelines.forEach((p, i) =>
    p.triggers.forEach((t, k) => {
      const at = [i, 'triggers', k];
      if (t.pipeline !== undefined) {
        const up = byName.get(t.pipeline);
        if (t.pipeline === config.pipeline.name) {
          // The platform pipeline (the `pipeline` section) fires its fixed steps.
          if (!PIPELINE_STEPS.some((s) => s === t.step))
            issue(
              [...at, 'step'],
              `pipeline ${t.pipeline} has no step ${t.step} (it has ${PIPELINE_STEPS.join(', ')})`,
            );
        } else if (!up) issue([...at, 'pipeline'], `no declared pipeline ${t.pipeline}`);
        else if (t.step !== undefined && !up.steps.some((s) => s.name === t.step))
          issue([...at, 'step'], `pipeline ${t.pipeline} has no step ${t.step}`);
      }
      t.tables?.forEach((table, n) => {
        if (!produced.has(table)) issue([...at, 'tables', n], `no step of any pipeline produces ${table}`);
      });
    }),
  );
  const cycle = triggerCycle(config);
  if (cycle) issue([], `pipelines trigger each other in a cycle: ${cycle.join(' → ')}`);
}

/** The pipelines each pipeline's triggers start, from config. */
export function triggerEdges(
  config: Pick<PipelinesContext, 'pipelines' | 'landing' | 'sources'>,
): Array<[string, string]> {
  const edges: Array<[string, string]> = [];
  for (const down of config.pipelines)
    for (const t of down.triggers)
      for (const up of config.pipelines) {
        const fires =
          t.pipeline !== undefined
            ? t.pipeline === up.name
            : up.steps.some((s) => producedTables(s, config).some((x) => t.tables?.includes(x)));
        if (fires && !edges.some(([a, b]) => a === up.name && b === down.name)) edges.push([up.name, down.name]);
      }
  return edges;
}

/** A cycle among pipeline triggers (first pipeline repeated at the end), or undefined. */
function triggerCycle(config: PipelinesContext): string[] | undefined {
  const edges = triggerEdges(config);
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (path.includes(node)) return [...path.slice(path.indexOf(node)), node];
    for (const [, next] of edges.filter(([a]) => a === node)) {
      const found = visit(next, [...path, node]);
      if (found) return found;
    }
    return undefined;
  };
  for (const p of config.pipelines) {
    const found = visit(p.name, []);
    if (found) return found;
  }
  return undefined;
}
