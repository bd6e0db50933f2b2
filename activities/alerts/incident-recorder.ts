import { routeFor, type AlertsConfig, type AlertSeverity } from '../../lib/config/schema';
import { compactInstant } from '../../lib/intervals';
import { ALERT_DELIVERIES, ALERT_INCIDENTS, ensureAudit } from '../audit';
import type { Warehouse } from '../warehouse';
import { alertLinks, type AlertLinkBases } from './alert-links';
import { dedupKey, inScope, type RunIncidentReport, type RunIncidentResult } from './incidents';
import { notificationBody, postToWebhook, type Notification } from './webhook';

const INCIDENTS = ALERT_INCIDENTS.name;
const DELIVERIES = ALERT_DELIVERIES.name;

/** What the incident recorder needs: where incidents are kept, where alerts go and what they link to. */
export interface IncidentDeps {
  warehouse: Warehouse;
  alerts: Pick<AlertsConfig, 'webhooks' | 'routes'>;
  links: AlertLinkBases;
}

/** The JSON body of an incident alert or recovery (the `json` webhook format); keys, counts and error classes only. */
export interface IncidentAlert {
  event: 'alert' | 'recovery';
  kind: string;
  severity: AlertSeverity;
  dedupKey: string;
  pipeline: string;
  interval: { start: string; end: string };
  subject: string;
  detail: string;
  summary: string;
  openedAt: string;
  closedAt?: string;
  links: { console?: string; temporal: string };
}

const TITLES: Readonly<Record<string, string>> = {
  'run-failed': 'Run failed',
  'gate-blocked': 'Quality gate blocked publishing',
  'test-failed': 'dbt test failed',
  'rule-failed': 'Quality rule failed',
  'retries-exhausted': 'Retries exhausted',
};

type IncidentRow = {
  incident_id: string;
  dedup_key: string;
  pipeline: string;
  interval_start: string;
  interval_end: string;
  kind: string;
  subject: string;
  severity: AlertSeverity;
  detail: string;
  workflow_id: string;
  run_id: string;
  opened_at: string;
  closed_at: string | null;
  closed_by_workflow_id: string | null;
  closed_by_run_id: string | null;
};

/** The alert (or recovery) of an incident, as a notification every webhook format is built from. */
function notificationOf(deps: IncidentDeps, r: IncidentRow, event: IncidentAlert['event']): Notification {
  const recovery = event === 'recovery';
  const links = alertLinks(deps.links, {
    pipeline: r.pipeline,
    intervalStart: r.interval_start,
    workflowId: (recovery && r.closed_by_workflow_id) || r.workflow_id,
    runId: (recovery && r.closed_by_run_id) || r.run_id,
  });
  const about = `${r.pipeline} ${compactInstant(r.interval_start)}${r.subject ? ` ${r.subject}` : ''}`;
  const title = TITLES[r.kind] ?? r.kind;
  const summary = recovery ? `Recovered: ${title}: ${about}` : `${title}: ${about}: ${r.detail}`;
  const body: IncidentAlert = {
    event,
    kind: r.kind,
    severity: r.severity,
    dedupKey: r.dedup_key,
    pipeline: r.pipeline,
    interval: { start: r.interval_start, end: r.interval_end },
    subject: r.subject,
    detail: r.detail,
    summary,
    openedAt: r.opened_at,
    ...(r.closed_at && recovery ? { closedAt: r.closed_at } : {}),
    links,
  };
  return {
    trigger: !recovery,
    dedupKey: r.dedup_key,
    severity: r.severity,
    headline: summary,
    pipeline: r.pipeline,
    component: r.kind,
    body,
    links: [
      ...(links.console ? [{ href: links.console, text: 'console' }] : []),
      { href: links.temporal, text: 'Temporal run' },
    ],
  };
}

/** Opens the incidents the run found that are not open yet, and closes the open ones in its scope it did not find. */
async function reconcile(
  deps: IncidentDeps,
  report: RunIncidentReport,
  now: string,
): Promise<{ opened: string[]; recovered: string[] }> {
  const w = deps.warehouse;
  const opened: string[] = [];
  const recovered: string[] = [];
  const { pipeline, interval } = report;
  await w.transaction(async (tx) => {
    const open = await tx.query<{ incident_id: string; dedup_key: string; kind: string; subject: string }>(
      `SELECT incident_id, dedup_key, kind, subject FROM ${INCIDENTS}
       WHERE pipeline = ? AND interval_start = ? AND closed_at IS NULL`,
      [pipeline, interval.start],
    );
    const openKeys = new Set(open.map((o) => o.dedup_key));
    const foundKeys = new Set<string>();
    for (const f of report.found) {
      const key = dedupKey(pipeline, interval.start, f.kind, f.subject);
      if (foundKeys.has(key)) continue;
      foundKeys.add(key);
      if (openKeys.has(key)) continue;
      await tx.execute(
        `INSERT INTO ${INCIDENTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), NULL, NULL, NULL)`,
        [
          `${key}|${now}`,
          key,
          pipeline,
          interval.start,
          interval.end,
          f.kind,
          f.subject,
          routeFor(deps.alerts, f.kind).severity,
          f.detail,
          report.workflowId,
          report.runId,
          now,
        ],
      );
      opened.push(key);
    }
    for (const o of open) {
      if (foundKeys.has(o.dedup_key) || !report.checked.some((s) => inScope(s, o.kind, o.subject))) continue;
      await tx.execute(
        `UPDATE ${INCIDENTS} SET closed_at = CAST(? AS TIMESTAMPTZ), closed_by_workflow_id = ?, closed_by_run_id = ?
         WHERE incident_id = ?`,
        [now, report.workflowId, report.runId, o.incident_id],
      );
      recovered.push(o.dedup_key);
    }
  });
  return { opened, recovered };
}

/**
 * Posts what has not gone out yet for the pipeline's incidents (open ones, and those closed within a day): each
 * alert, then its recovery, to every webhook its kind routes to. What went out is recorded per webhook, so a
 * retried activity resends only what did not, and a webhook that was down gets it with the next report.
 */
async function deliver(deps: IncidentDeps, pipeline: string): Promise<number> {
  const w = deps.warehouse;
  const recent = `(i.closed_at IS NULL OR i.closed_at > ${w.dialect.now()} - INTERVAL '1 DAY')`;
  const rows = await w.query<IncidentRow>(
    `SELECT incident_id, dedup_key, pipeline, interval_start, interval_end, kind, subject, severity, detail,
       workflow_id, run_id, CAST(opened_at AS VARCHAR) AS opened_at, CAST(closed_at AS VARCHAR) AS closed_at,
       closed_by_workflow_id, closed_by_run_id
     FROM ${INCIDENTS} i WHERE pipeline = ? AND ${recent} ORDER BY opened_at, incident_id`,
    [pipeline],
  );
  const done = new Set(
    (
      await w.query<{ incident_id: string; event: string; webhook: string }>(
        `SELECT d.incident_id, d.event, d.webhook FROM ${DELIVERIES} d JOIN ${INCIDENTS} i
         ON d.incident_id = i.incident_id WHERE i.pipeline = ? AND ${recent}`,
        [pipeline],
      )
    ).map((d) => `${d.incident_id} ${d.event} ${d.webhook}`),
  );
  let sent = 0;
  for (const r of rows) {
    const events: Array<IncidentAlert['event']> = r.closed_at ? ['alert', 'recovery'] : ['alert'];
    for (const hook of routeFor(deps.alerts, r.kind).webhooks) {
      for (const event of events) {
        if (done.has(`${r.incident_id} ${event} ${hook.name}`)) continue;
        await postToWebhook(hook, notificationBody(hook, notificationOf(deps, r, event)));
        await w.execute(`INSERT INTO ${DELIVERIES} VALUES (?, ?, ?, ${w.dialect.now()})`, [
          r.incident_id,
          event,
          hook.name,
        ]);
        sent++;
      }
    }
  }
  return sent;
}

/**
 * Records one run's findings for its pipeline and interval: an incident opens once per dedup key (pipeline,
 * interval, kind, subject) however often runs find it, and closes when a run checked it and did not find it;
 * then each opening and recovery goes once to the webhooks its kind routes to.
 */
export async function recordRunIncidents(deps: IncidentDeps, report: RunIncidentReport): Promise<RunIncidentResult> {
  await ensureAudit(deps.warehouse);
  const { opened, recovered } = await reconcile(deps, report, new Date().toISOString());
  const sent = await deliver(deps, report.pipeline);
  return { opened, recovered, sent };
}
