import type { AlertsConfig, SlaConfig, WebhookConfig } from '../../lib/config/schema';
import { QUALITY_SCORES } from '../audit';
import { classified } from '../errors';
import type { Warehouse } from '../warehouse';
import { recordSlaStates } from './breach-recorder';
import { evaluateSlas, type RunInfo, type SlaInputs, type SlaState } from './sla-evaluate';

/** What the SLA check needs from the worker. */
export interface SlaDeps {
  warehouse: Warehouse;
  pipeline: { name: string; intervalHours: number };
  slas: SlaConfig;
  webhooks: readonly WebhookConfig[];
  /** Which webhooks each alert kind goes to, and its severity (`alerts.routes`). */
  alerts?: Pick<AlertsConfig, 'routes'>;
  /** The pipeline's runs whose interval starts at or after `since` (Temporal visibility). */
  listRuns?: (pipeline: string, since: Date) => Promise<RunInfo[]>;
}

/** Result of one SLA check. */
export interface SlaCheckResult {
  checkedAt: string;
  states: SlaState[];
  /** SLAs that went into breach at this check, and those that recovered. */
  opened: string[];
  closed: string[];
  alertsSent: number;
}

/** True when any SLA is configured (the check and its schedule exist only then). */
export function hasSlas(slas: SlaConfig): boolean {
  return (
    slas.latencyMinutes !== undefined ||
    slas.qualityScoreMin !== undefined ||
    slas.availability !== undefined ||
    slas.freshness.length > 0
  );
}

/** Builds the SLA activities. */
export function createSlaActivities(deps: SlaDeps) {
  const w = deps.warehouse;
  const d = w.dialect;

  async function gather(now: Date): Promise<SlaInputs> {
    const s = deps.slas;
    let runs: RunInfo[] = [];
    if (s.latencyMinutes !== undefined || s.availability) {
      if (!deps.listRuns) throw new Error('latency and availability SLAs need the Temporal client (run in the worker)');
      const lookbackHours =
        Math.max(s.availability?.windowHours ?? 0, 2 * deps.pipeline.intervalHours) +
        Math.ceil((s.latencyMinutes ?? 0) / 60) +
        deps.pipeline.intervalHours;
      runs = await deps.listRuns(deps.pipeline.name, new Date(now.getTime() - lookbackHours * 3_600_000));
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
    return { now, intervalHours: deps.pipeline.intervalHours, runs, latestScore, freshness };
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
        const states = evaluateSlas(deps.slas, await gather(now));
        const { opened, closed, alertsSent } = await recordSlaStates(
          w,
          deps.pipeline.name,
          states,
          deps.webhooks,
          now,
          deps.alerts?.routes,
        );
        return { checkedAt: now.toISOString(), states, opened, closed, alertsSent };
      });
    },
  };
}

/** The SLA activities as the worker registers them. */
export type SlaActivities = ReturnType<typeof createSlaActivities>;
