import { routeFor, type AlertsConfig, type WebhookConfig } from '../../lib/config/schema';
import { sendAlert, type Alert } from '../alerts/webhook';
import { ensureAudit, SLA_ALERTS_SENT, SLA_BREACHES, SLA_CHECKS } from '../audit';
import type { Warehouse } from '../warehouse';
import { slaAlertKind } from './freshness-states';
import type { SlaState } from './sla-evaluate';

const CHECKS = SLA_CHECKS.name;
const BREACHES = SLA_BREACHES.name;
const SENT = SLA_ALERTS_SENT.name;

/** Breaches not yet announced to every webhook: open ones, and recoveries of the last day. */
async function pendingAlerts(w: Warehouse, pipeline: string): Promise<Alert[]> {
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
     WHERE pipeline = ? AND (closed_at IS NULL OR closed_at > ${w.dialect.now()} - INTERVAL '1 DAY') ORDER BY opened_at`,
    [pipeline],
  );
  const alerts: Alert[] = [];
  for (const r of rows) {
    const base = { breachId: r.breach_id, pipeline: pipeline, sla: r.sla, openedAt: r.opened_at };
    alerts.push({ ...base, kind: 'breach', detail: r.detail });
    if (r.closed_at) alerts.push({ ...base, kind: 'recovery', detail: r.recovery_detail ?? '', closedAt: r.closed_at });
  }
  return alerts;
}

/**
 * Records one check's SLA states for a pipeline: every state in `audit.sla_checks`, a breach opened
 * when an SLA fails and closed when it holds again, then each opening and recovery sent once to every
 * webhook its alert kind routes to (`routes`, every webhook by default; what went out is recorded per
 * webhook, so a retry resends only what did not).
 */
export async function recordSlaStates(
  w: Warehouse,
  pipeline: string,
  states: readonly SlaState[],
  webhooks: readonly WebhookConfig[],
  now: Date,
  routes: AlertsConfig['routes'] = {},
): Promise<{ opened: string[]; closed: string[]; alertsSent: number }> {
  await ensureAudit(w);
  const opened: string[] = [];
  const closed: string[] = [];
  await w.transaction(async (tx) => {
    for (const st of states) {
      await tx.execute(`INSERT INTO ${CHECKS} VALUES (CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?)`, [
        now.toISOString(),
        pipeline,
        st.sla,
        st.breached,
        st.detail,
      ]);
      const [open] = await tx.query<{ breach_id: string }>(
        `SELECT breach_id FROM ${BREACHES} WHERE pipeline = ? AND sla = ? AND closed_at IS NULL`,
        [pipeline, st.sla],
      );
      if (st.breached && !open) {
        await tx.execute(`INSERT INTO ${BREACHES} VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), NULL, NULL)`, [
          `${pipeline}:${st.sla}:${now.toISOString()}`,
          pipeline,
          st.sla,
          st.detail,
          now.toISOString(),
        ]);
        opened.push(st.sla);
      } else if (!st.breached && open) {
        await tx.execute(
          `UPDATE ${BREACHES} SET closed_at = CAST(? AS TIMESTAMPTZ), recovery_detail = ? WHERE breach_id = ?`,
          [now.toISOString(), st.detail, open.breach_id],
        );
        closed.push(st.sla);
      }
    }
  });
  let alertsSent = 0;
  for (const pending of await pendingAlerts(w, pipeline)) {
    const alertKind = slaAlertKind(pending.sla);
    const route = routeFor({ webhooks: [...webhooks], routes }, alertKind);
    const alert: Alert = { ...pending, alertKind, severity: route.severity };
    for (const hook of route.webhooks) {
      const [sent] = await w.query(`SELECT 1 AS sent FROM ${SENT} WHERE breach_id = ? AND kind = ? AND webhook = ?`, [
        alert.breachId,
        alert.kind,
        hook.name,
      ]);
      if (sent) continue;
      await sendAlert(hook, alert);
      await w.execute(`INSERT INTO ${SENT} VALUES (?, ?, ?, ${w.dialect.now()})`, [
        alert.breachId,
        alert.kind,
        hook.name,
      ]);
      alertsSent++;
    }
  }
  return { opened, closed, alertsSent };
}
