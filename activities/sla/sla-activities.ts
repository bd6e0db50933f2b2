import type { SlaConfig, WebhookConfig } from '../../lib/config/schema';
import { classified } from '../errors';
import { ensureOnce, ensureSchema, type Warehouse } from '../warehouse';
import { sendAlert, type Alert } from '../alerts/webhook';
import { evaluateSlas, type RunInfo, type SlaInputs, type SlaState } from './sla-evaluate';

/** What the SLA check needs from the worker. */
export interface SlaDeps {
  warehouse: Warehouse;
  pipeline: { name: string; intervalHours: number };
  slas: SlaConfig;
  webhooks: readonly WebhookConfig[];
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

const CHECKS = 'audit.sla_checks';
const BREACHES = 'audit.sla_breaches';
const SENT = 'audit.sla_alerts_sent';

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

  async function ensureTables(): Promise<void> {
    await ensureSchema(w, 'audit');
    await ensureOnce(w, CHECKS, () =>
      w.execute(
        `CREATE TABLE IF NOT EXISTS ${CHECKS} (checked_at TIMESTAMPTZ, pipeline VARCHAR, sla VARCHAR, breached BOOLEAN, detail VARCHAR)`,
      ),
    );
    await ensureOnce(w, BREACHES, () =>
      w.execute(
        `CREATE TABLE IF NOT EXISTS ${BREACHES} (breach_id VARCHAR, pipeline VARCHAR, sla VARCHAR, detail VARCHAR,
           opened_at TIMESTAMPTZ, closed_at TIMESTAMPTZ, recovery_detail VARCHAR)`,
      ),
    );
    await ensureOnce(w, SENT, () =>
      w.execute(
        `CREATE TABLE IF NOT EXISTS ${SENT} (breach_id VARCHAR, kind VARCHAR, webhook VARCHAR, sent_at TIMESTAMPTZ)`,
      ),
    );
  }

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
      const exists = await w.describeTable({ schema: 'audit', table: 'quality_scores' });
      if (exists) {
        const [row] = await w.query<{ interval_start: string; table_name: string; score: number }>(
          `SELECT CAST(interval_start AS VARCHAR) AS interval_start, table_name, score FROM audit.quality_scores
           WHERE interval_start = (SELECT max(interval_start) FROM audit.quality_scores) ORDER BY score, table_name LIMIT 1`,
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

  /** Breaches not yet announced to every webhook: open ones, and recoveries of the last day. */
  async function pendingAlerts(): Promise<Alert[]> {
    const rows = await w.query<{
      breach_id: string;
      sla: string;
      detail: string;
      recovery_detail: string | null;
      opened_at: string;
      closed_at: string | null;
    }>(
      `SELECT breach_id, sla, detail, recovery_detail, CAST(opened_at AS VARCHAR) AS opened_at,
         CAST(closed_at AS VARCHAR) AS closed_at FROM ${BREACHES}
       WHERE pipeline = ? AND (closed_at IS NULL OR closed_at > ${d.now()} - INTERVAL 1 DAY) ORDER BY opened_at`,
      [deps.pipeline.name],
    );
    const alerts: Alert[] = [];
    for (const r of rows) {
      const base = { breachId: r.breach_id, pipeline: deps.pipeline.name, sla: r.sla, openedAt: r.opened_at };
      alerts.push({ ...base, kind: 'breach', detail: r.detail });
      if (r.closed_at)
        alerts.push({ ...base, kind: 'recovery', detail: r.recovery_detail ?? '', closedAt: r.closed_at });
    }
    return alerts;
  }

  return {
    /**
     * Evaluates the pipeline's SLAs, records the check, opens a breach when an SLA fails and closes it
     * when it holds again, then tells every webhook about each opening and recovery exactly once
     * (what was sent is recorded per webhook, so a retry resends only what did not go out).
     */
    async checkSlas(): Promise<SlaCheckResult> {
      return classified('checking SLAs', async () => {
        await ensureTables();
        const now = new Date();
        const states = evaluateSlas(deps.slas, await gather(now));
        const opened: string[] = [];
        const closed: string[] = [];
        await w.transaction(async (tx) => {
          for (const st of states) {
            await tx.execute(`INSERT INTO ${CHECKS} VALUES (?::TIMESTAMPTZ, ?, ?, ?, ?)`, [
              now.toISOString(),
              deps.pipeline.name,
              st.sla,
              st.breached,
              st.detail,
            ]);
            const [open] = await tx.query<{ breach_id: string }>(
              `SELECT breach_id FROM ${BREACHES} WHERE pipeline = ? AND sla = ? AND closed_at IS NULL`,
              [deps.pipeline.name, st.sla],
            );
            if (st.breached && !open) {
              await tx.execute(`INSERT INTO ${BREACHES} VALUES (?, ?, ?, ?, ?::TIMESTAMPTZ, NULL, NULL)`, [
                `${deps.pipeline.name}:${st.sla}:${now.toISOString()}`,
                deps.pipeline.name,
                st.sla,
                st.detail,
                now.toISOString(),
              ]);
              opened.push(st.sla);
            } else if (!st.breached && open) {
              await tx.execute(
                `UPDATE ${BREACHES} SET closed_at = ?::TIMESTAMPTZ, recovery_detail = ? WHERE breach_id = ?`,
                [now.toISOString(), st.detail, open.breach_id],
              );
              closed.push(st.sla);
            }
          }
        });
        let alertsSent = 0;
        for (const alert of await pendingAlerts()) {
          for (const hook of deps.webhooks) {
            const [sent] = await w.query(
              `SELECT 1 AS sent FROM ${SENT} WHERE breach_id = ? AND kind = ? AND webhook = ?`,
              [alert.breachId, alert.kind, hook.name],
            );
            if (sent) continue;
            await sendAlert(hook, alert);
            await w.execute(`INSERT INTO ${SENT} VALUES (?, ?, ?, ${d.now()})`, [
              alert.breachId,
              alert.kind,
              hook.name,
            ]);
            alertsSent++;
          }
        }
        return { checkedAt: now.toISOString(), states, opened, closed, alertsSent };
      });
    },
  };
}

/** The SLA activities as the worker registers them. */
export type SlaActivities = ReturnType<typeof createSlaActivities>;
