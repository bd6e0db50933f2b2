import type { PipelineSlaTarget } from '../activities/sla';
import type { EdpConfig } from './config-schema';
import { producedTables } from '../lib/config/pipelines-check';
import type { DeclaredPipelineConfig, PipelineStepConfig } from '../lib/config/schema';
import type { DeclaredScheduleConfig } from '../lib/config/pipelines-schema';
import { BadInputError } from '../lib/errors';
import { PIPELINE_STEPS } from '../lib/ids';
import type { DownstreamTrigger, PipelinePlan, PlanSchedule, PlanStep } from '../lib/pipeline-plan';

// Declared pipelines (the `pipelines` section) become plans here, the one place their config is read: a plan is
// resolved when a run starts or its Schedule is applied, and travels in the run's input from then on.

/** The declared pipeline named `name`; a BadInputError listing the names when there is none. */
export function declaredPipeline(config: EdpConfig, name: string): DeclaredPipelineConfig {
  const found = config.pipelines.find((p) => p.name === name);
  if (found) return found;
  const names = [config.pipeline.name, ...config.pipelines.map((p) => p.name)];
  throw new BadInputError(`no pipeline named ${name}; this config has: ${names.join(', ')}`);
}

/** The cron a zone-aligned `every` stands for: every N hours at minute 0, or every N minutes. */
function everyAsCron(every: string): string {
  const n = Number(every.slice(0, -1));
  return every.endsWith('h') ? `0 */${n} * * *` : `*/${n} * * * *`;
}

/** The schedule as its plan carries it: UTC-aligned `every` stays an interval, everything else is a cron in its zone. */
export function planScheduleOf(s: DeclaredScheduleConfig): PlanSchedule {
  if (s.every !== undefined && s.timezone === 'UTC') {
    const n = Number(s.every.slice(0, -1));
    return { kind: 'every', minutes: s.every.endsWith('h') ? n * 60 : n, offsetMinutes: s.offsetMinutes };
  }
  return { kind: 'cron', cron: s.cron ?? everyAsCron(s.every!), timezone: s.timezone };
}

function planStep(config: EdpConfig, s: PipelineStepConfig): PlanStep {
  const base = {
    name: s.name,
    dependsOn: [...s.dependsOn],
    ...(s.retries ? { retries: { ...s.retries } } : {}),
    ...(s.timeoutMinutes ? { timeoutMinutes: s.timeoutMinutes } : {}),
    produces: producedTables(s, config),
  };
  switch (s.kind) {
    case 'ingest': {
      const all = config.sources.flatMap((src) => src.tables.map((t) => ({ source: src.name, table: t.name })));
      const named = s.sqlTables?.map((t) => ({ source: t.split('.')[0], table: t.split('.')[1] }));
      return {
        ...base,
        kind: 'ingest',
        ...(s.entities ? { entities: [...s.entities] } : {}),
        sqlTables: named ?? all,
        sensor: { ...(s.sensor ?? config.pipeline.sensor) },
        maxParallel: config.pipeline.ingest.maxParallel,
        filesPerChild: config.pipeline.ingest.filesPerChild,
      };
    }
    case 'transform':
      return {
        ...base,
        kind: 'transform',
        select: [...s.select],
        exclude: [...s.exclude],
        vars: { ...s.vars },
        threads: s.threads ?? config.transform.threads,
      };
    case 'quality':
      return { ...base, kind: 'quality', ...(s.tables ? { tables: [...s.tables] } : {}), gate: s.gate };
    case 'export':
      return { ...base, kind: 'export', marts: (s.marts ?? config.export.marts).map((m) => ({ ...m })) };
    case 'realtime':
      return { ...base, kind: 'realtime' };
    case 'sql':
      return { ...base, kind: 'sql', statements: [...s.sql] };
  }
}

/** The downstream pipelines a run of `p` starts, each with its own plan (config forbids trigger cycles). */
function downstreamOf(config: EdpConfig, p: DeclaredPipelineConfig): DownstreamTrigger[] {
  const produced = new Set(p.steps.flatMap((s) => producedTables(s, config)));
  return config.pipelines.flatMap((down) =>
    down.triggers
      .filter((t) => t.pipeline === p.name || t.tables?.some((x) => produced.has(x)))
      .map((t) => ({
        ...(t.step ? { step: t.step } : { tables: [...t.tables!] }),
        plan: pipelinePlan(config, down.name),
      })),
  );
}

/** A declared pipeline's plan: its steps resolved against config, its schedule's shape and its downstream plans. */
export function pipelinePlan(config: EdpConfig, name: string): PipelinePlan {
  const p = declaredPipeline(config, name);
  return {
    pipeline: p.name,
    ...(p.schedule ? { schedule: planScheduleOf(p.schedule) } : {}),
    parallelism: p.parallelism,
    steps: p.steps.map((s) => planStep(config, s)),
    downstream: downstreamOf(config, p),
  };
}

/** The declared pipelines the platform pipeline's steps (the `pipeline` section) start, each with its plan. */
export function platformDownstream(config: EdpConfig): DownstreamTrigger[] {
  return config.pipelines.flatMap((down) =>
    down.triggers
      .filter((t) => t.pipeline === config.pipeline.name && PIPELINE_STEPS.some((s) => s === t.step))
      .map((t) => ({ step: t.step!, plan: pipelinePlan(config, down.name) })),
  );
}

/** The declared pipelines that have SLAs, each with the schedule its runs' intervals follow. */
export function pipelineSlaTargets(config: EdpConfig): PipelineSlaTarget[] {
  return config.pipelines.flatMap((p) =>
    p.sla ? [{ name: p.name, ...(p.schedule ? { schedule: planScheduleOf(p.schedule) } : {}), sla: p.sla }] : [],
  );
}
