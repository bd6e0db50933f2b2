import { cronTimesBetween, parseCron } from '../lib/cron';
import {
  PIPELINE_STEPS,
  pipelineScheduleId,
  pipelineWorkflowId,
  planStepWorkflowId,
  scheduledPipelineIdPrefix,
} from '../lib/ids';
import { compactInstant, describeInterval } from '../lib/intervals';
import {
  planGraph,
  scheduledRunInterval,
  type PipelinePlan,
  type PlanSchedule,
  type PlanStep,
} from '../lib/pipeline-plan';
import { topologicalOrder } from '../lib/graph';
import type { DeclaredPipelineConfig } from '../lib/config/schema';
import type { EdpConfig } from '../workers/config-schema';
import { declaredPipeline, pipelinePlan, platformDownstream } from '../workers/pipeline-plans';
import { table } from './output';

/** How a declared pipeline is scheduled, in words. */
export function describeSchedule(p: DeclaredPipelineConfig): string {
  const s = p.schedule;
  if (!s) return 'no schedule';
  const when = s.cron !== undefined ? `cron "${s.cron}"` : `every ${s.every}`;
  const offset = s.offsetMinutes ? ` + ${s.offsetMinutes} min` : '';
  return (
    `${when}${offset} ${s.timezone}, overlap ${s.overlap}, catch-up window ${s.catchupWindowMinutes} min` +
    (s.paused ? ', created paused' : '')
  );
}

/** What starts a declared pipeline besides its schedule, in words. */
export function describeTriggers(p: DeclaredPipelineConfig): string {
  return (
    p.triggers
      .map((t) => (t.step !== undefined ? `after ${t.pipeline}.${t.step}` : `when ${t.tables!.join(' or ')} changes`))
      .join('; ') || 'none'
  );
}

/** The next `count` times a plan's schedule fires after `at`. */
export function nextFireTimes(schedule: PlanSchedule, at: Date, count: number): Date[] {
  if (schedule.kind === 'cron') {
    const spec = parseCron(schedule.cron);
    const out: Date[] = [];
    for (let from = at; out.length < count; from = new Date(from.getTime() + 7 * 86_400_000))
      out.push(...cronTimesBetween(spec, schedule.timezone, from, new Date(from.getTime() + 7 * 86_400_000)));
    return out.slice(0, count);
  }
  const slot = schedule.minutes * 60_000;
  const offset = schedule.offsetMinutes * 60_000;
  const first = Math.floor((at.getTime() - offset) / slot) * slot + slot + offset;
  return Array.from({ length: count }, (_, i) => new Date(first + i * slot));
}

/** What a step does, in words. */
function stepWork(step: PlanStep): string {
  switch (step.kind) {
    case 'ingest':
      return `entities ${step.entities?.join(', ') ?? 'all'}; SQL tables ${step.sqlTables.map((t) => `${t.source}.${t.table}`).join(', ') || 'none'}`;
    case 'transform':
      return `dbt ${step.select.length ? `--select ${step.select.join(' ')}` : 'every node'}${step.exclude.length ? ` --exclude ${step.exclude.join(' ')}` : ''}, ${step.threads} threads`;
    case 'quality':
      return `rule files of ${step.tables?.join(', ') ?? 'every table'}${step.gate ? '; a failed error rule blocks what follows' : ''}`;
    case 'export':
      return `marts ${step.marts.map((m) => `${m.name} (${m.mode})`).join(', ') || 'none'}`;
    case 'realtime':
      return 'one refresh pass of the near-real-time curation tables';
    case 'sql':
      return `${step.statements.length} SQL statement(s) in one transaction`;
  }
}

/** `edp pipelines show <name>` for a declared pipeline: schedule, triggers, next runs, steps and their ids. */
export function showDeclaredPipeline(config: EdpConfig, name: string, at: Date): number {
  const p = declaredPipeline(config, name);
  const plan = pipelinePlan(config, name);
  const next = plan.schedule ? nextFireTimes(plan.schedule, at, 3) : [];
  const interval = plan.schedule ? scheduledRunInterval(plan.schedule, next[0]) : undefined;
  const placeholder = { start: at.toISOString(), end: at.toISOString() };
  const idOf = (step: string): string =>
    interval
      ? planStepWorkflowId(name, step, interval)
      : planStepWorkflowId(name, step, placeholder).replace(compactInstant(at.toISOString()), '<interval start>');
  console.log(
    table([
      { key: 'pipeline', value: name },
      { key: 'schedule', value: describeSchedule(p) },
      { key: 'triggered', value: describeTriggers(p) },
      { key: 'starts', value: plan.downstream.map((d) => d.plan.pipeline).join(', ') || 'none' },
      { key: 'schedule id', value: p.schedule ? pipelineScheduleId(name) : 'none' },
      { key: 'scheduled runs', value: p.schedule ? `${scheduledPipelineIdPrefix(name)}-<scheduled time>` : 'none' },
      { key: 'next runs', value: next.map((t) => t.toISOString()).join(', ') || 'on trigger or edp run only' },
      ...(interval
        ? [{ key: `next run covers`, value: `${describeInterval(interval)}: ${pipelineWorkflowId(name, interval)}` }]
        : []),
    ]),
  );
  console.log('');
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  console.log(
    table(
      topologicalOrder(planGraph(plan)).map((n) => {
        const s = byName.get(n)!;
        return {
          step: n,
          kind: s.kind,
          'depends on': s.dependsOn.join(', '),
          'workflow id': idOf(n),
          does: stepWork(s),
        };
      }),
    ),
  );
  return 0;
}

/** What a graph shows of a plan: steps, their kinds and dependencies, and what they trigger. */
type GraphShape = Pick<PipelinePlan, 'pipeline' | 'downstream'> & {
  steps: Array<Pick<PlanStep, 'name' | 'dependsOn' | 'produces'> & { kind: string }>;
};

/** The `pipeline` section's fixed chain and the declared pipelines it triggers, as a plan's shape (platformPipeline runs it). */
function platformPlanShape(config: EdpConfig): GraphShape {
  const name = config.pipeline.name;
  const steps = PIPELINE_STEPS.map((step, i) => ({
    name: step,
    kind: step,
    dependsOn: i === 0 ? [] : [PIPELINE_STEPS[i - 1]],
    produces: [],
  }));
  return { pipeline: name, steps, downstream: platformDownstream(config) };
}

/** The depth of each step: 0 without dependencies, else one more than its deepest dependency. */
function layersOf(plan: GraphShape): Map<string, number> {
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const depth = new Map<string, number>();
  for (const n of topologicalOrder(planGraph(plan)))
    depth.set(n, Math.max(-1, ...byName.get(n)!.dependsOn.map((d) => depth.get(d)!)) + 1);
  return depth;
}

/**
 * The step DAG as text: one line per layer (steps that may run at once), each step with its kind and what it
 * waits for, then the pipelines it triggers; or, with `dot`, as a Graphviz digraph.
 */
export function pipelineGraph(config: EdpConfig, name: string, dot: boolean): string {
  const plan: GraphShape = name === config.pipeline.name ? platformPlanShape(config) : pipelinePlan(config, name);
  const depth = layersOf(plan);
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  if (dot) {
    const lines = [`digraph ${name} {`, '  rankdir=LR;'];
    for (const s of plan.steps) lines.push(`  ${s.name} [label="${s.name}\\n${s.kind}"];`);
    for (const s of plan.steps) for (const d of s.dependsOn) lines.push(`  ${d} -> ${s.name};`);
    for (const d of plan.downstream) {
      const from = plan.steps.filter((s) =>
        d.step ? s.name === d.step : s.produces.some((t) => d.tables?.includes(t)),
      );
      for (const s of from) lines.push(`  ${s.name} -> "pipeline ${d.plan.pipeline}" [style=dashed];`);
    }
    return [...lines, '}'].join('\n');
  }
  const layers = Math.max(...depth.values()) + 1;
  const lines = [`pipeline ${name}`];
  for (let l = 0; l < layers; l++) {
    const steps = [...depth.entries()].filter(([, d]) => d === l).map(([n]) => byName.get(n)!);
    const text = steps.map((s) => `${s.name} [${s.kind}]${s.dependsOn.length ? ` ← ${s.dependsOn.join(', ')}` : ''}`);
    lines.push(`  ${l + 1}. ${text.join('   ')}`);
  }
  for (const d of plan.downstream)
    lines.push(
      `  ⇒ starts pipeline ${d.plan.pipeline} ${d.step ? `after ${d.step}` : `when ${d.tables!.join(' or ')} changes`}`,
    );
  return lines.join('\n');
}
