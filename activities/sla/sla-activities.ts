import type { AlertsConfig, SlaConfig, WebhookConfig } from '../../lib/config/schema';
import type { PipelineSlaConfig } from '../../lib/config/pipelines-schema';
import type { PlanSchedule } from '../../lib/pipeline-plan';
import { QUALITY_SCORES } from '../audit';
import { classified } from '../errors';
import type { Warehouse } from '../warehouse';
import { recordSlaStates } from './breach-recorder';
import {
  earliestJudgedStart,
  evaluateSlas,
  type RunInfo,
  type SlaInputs,
  type SlaIntervals,
  type SlaState,
} from './sla-evaluate';

/** A declared pipeline's SLAs, with the schedule whose intervals its runs are judged on. */
export interface PipelineSlaTarget {
  name: string;
  schedule?: PlanSchedule;
  sla: PipelineSlaConfig;
}

/** What the SLA check needs from the worker. */
export interface SlaDeps {
  warehouse: Warehouse;
  pipeline: { name: string; intervalHours: number };
  slas: SlaConfig;
  /** The declared pipelines that have SLAs (`pipelines[].sla`). */
  pipelineSlas?: readonly PipelineSlaTarget[];
  webhooks: readonly WebhookConfig[];
  /** Which webhooks each alert kind goes to, and its severity (`alerts.routes`). */
  alerts?: Pick<AlertsConfig, 'routes'>;
  /** The runs of `workflowType` for the pipeline whose interval starts at or after `since` (Temporal visibility). */
  listRuns?: (pipeline: string, since: Date, workflowType: string) => Promise<RunInfo[]>;
}

/** The states one check found for a declared pipeline, and the breaches it opened and closed. */
export interface PipelineSlaResult {
  pipeline: string;
  states: SlaState[];
  opened: string[];
  closed: string[];
}

/** Result of one SLA check. */
export interface SlaCheckResult {
  checkedAt: string;
  /** The `pipeline` section's states. */
  states: SlaState[];
  /** SLAs that went into breach at this check, and those that recovered. */
  opened: string[];
  closed: string[];
  /** Per declared pipeline with SLAs, in config order. */
  pipelines: PipelineSlaResult[];
  /** Alerts sent, all pipelines together. */
  alertsSent: number;
}

/** True when any SLA is configured, global or of a declared pipeline (the check and its schedule exist only then). */
export function hasSlas(slas: SlaConfig, pipelines: ReadonlyArray<{ sla?: PipelineSlaConfig }> = []): boolean {
  const judged = (s: Partial<SlaConfig>): boolean =>
    s.latencyMinutes !== undefined || s.availability !== undefined || (s.freshness?.length ?? 0) > 0;
  return judged(slas) || slas.qualityScoreMin !== undefined || pipelines.some((p) => p.sla && judged(p.sla));
}

/** Whose runs an SLA check judges: the pipeline's runs of `workflowType`, on `intervals`. */
interface Subject {
  name: string;
  workflowType: string;
  intervals: SlaIntervals;
}

/** Builds the SLA activities. */
export function createSlaActivities(deps: SlaDeps) {
  const w = deps.warehouse;
  const d = w.dialect;

  async function gather(now: Date, s: SlaConfig, of: Subject): Promise<SlaInputs> {
    let runs: RunInfo[] = [];
    if (s.latencyMinutes !== undefined || s.availability) {
      if (!deps.listRuns) throw new Error('latency and availability SLAs need the Temporal client (run in the worker)');
      runs = await deps.listRuns(of.name, earliestJudgedStart(s, of.intervals, now), of.workflowType);
    }
    let latestScore: SlaInputs['latestScore'];
    if (s.qualityScoreMin !== undefined) {
      const exists = await w.describeTable(QUALITY_SCORES.ref);
      if (exists) {
        const [row] = await w.query<{ interval_start: string; table_name: string; score: number }>(
          `SELECT CAST(interval_start AS VARCHAR) AS interval_start, table_name, score FROM ${QUALITY_SCORES.name}
           WHERE interval_start = (SELECT max(interval_start) FROM ${QUALITY_SCORES.name}) ORDER BY score, table_name LIMIT 1`,
        );
        if (row) latestScore = { intervalStart: row.interval_start, table: row.table_name, score: Number(row.score) };
      }
    }
    const freshness: Array<SlaInputs['freshness'][number]> = [];
    for (const f of s.freshness) {
      const [schema, table] = f.table.split('.');
      try {
        const col = `CAST(max(${d.quoteIdent(f.column)}) AS ${d.columnType('timestamp')})`;
        const [row] = await w.query<{ age: number | string | null }>(
          `SELECT ${d.minutesBetween(col, d.now())} AS age FROM ${d.table({ schema, table })}`,
        );
        const age = row?.age === null || row?.age === undefined ? null : Number(row.age);
        freshness.push({ ...f, newest: age === null ? null : new Date(now.getTime() - age * 60_000) });
      } catch (err) {
        freshness.push({ ...f, newest: null, error: (err as Error).message.split('\n')[0] });
      }
    }
    return { ...of.intervals, now, runs, latestScore, freshness };
  }

  /** Evaluates one pipeline's SLAs and records the states, breaches and alerts under its name. */
  async function check(now: Date, s: SlaConfig, of: Subject) {
    const states = evaluateSlas(s, await gather(now, s, of));
    const recorded = await recordSlaStates(w, of.name, states, deps.webhooks, now, deps.alerts?.routes);
    return { pipeline: of.name, states, ...recorded };
  }

  return {
    /**
     * Evaluates the pipeline's SLAs, records the check, opens a breach when an SLA fails and closes it
     * when it holds again, then tells every webhook about each opening and recovery exactly once
     * (what was sent is recorded per webhook, so a retry resends only what did not go out).
     */
    async checkSlas(): Promise<SlaCheckResult> {
      return classified('checking SLAs', async () => {
        const now = new Date();
        const { intervalHours, name } = deps.pipeline;
        const { states, opened, closed, alertsSent } = await check(now, deps.slas, {
          name,
          workflowType: 'platformPipeline',
          intervals: { intervalHours },
        });
        const pipelines: PipelineSlaResult[] = [];
        let sent = alertsSent;
        for (const p of deps.pipelineSlas ?? []) {
          const { alertsSent: n, ...result } = await check(
            now,
            { ...p.sla, checkEveryMinutes: deps.slas.checkEveryMinutes },
            {
              name: p.name,
              workflowType: 'pipelineRun',
              // A pipeline without a schedule has only freshness SLAs (config refuses the others): no intervals read.
              intervals: { schedule: p.schedule ?? { kind: 'every', minutes: 60, offsetMinutes: 0 } },
            },
          );
          pipelines.push(result);
          sent += n;
        }
        return { checkedAt: now.toISOString(), states, opened, closed, pipelines, alertsSent: sent };
      });
    },
  };
}

/** The SLA activities as the worker registers them. */
export type SlaActivities = ReturnType<typeof createSlaActivities>;
