import { isoInstant, textOrNull, type AuditSource } from './audit-source';
import { SLA_BREACHES, SLA_CHECKS } from './sla-tables';

/** An SLA's latest checked state, with its open breach if any. */
export interface SlaStatusRecord {
  sla: string;
  pipeline: string;
  breached: boolean;
  detail: string;
  /** When the open breach began, ISO-8601 UTC; null when none is open. */
  breachedSince: string | null;
  /** When the latest check ran, ISO-8601 UTC. */
  checkedAt: string;
}

/** The latest check of every SLA, by SLA name and pipeline, with the open breach of each. */
export async function readSlaStatus(src: AuditSource): Promise<SlaStatusRecord[]> {
  const d = src.dialect;
  const rows = await src.query(
    `SELECT c.sla, c.pipeline, c.breached, c.detail, ${d.epochMs('b.opened_at')} AS opened_at_ms,
       ${d.epochMs('c.checked_at')} AS checked_at_ms
     FROM (SELECT sla, pipeline, breached, detail, checked_at,
             row_number() OVER (PARTITION BY pipeline, sla ORDER BY checked_at DESC) AS n
           FROM ${d.table(SLA_CHECKS.ref)}) c
     LEFT JOIN ${d.table(SLA_BREACHES.ref)} b ON b.pipeline = c.pipeline AND b.sla = c.sla AND b.closed_at IS NULL
     WHERE c.n = 1 ORDER BY c.sla, c.pipeline`,
  );
  return rows.map((r) => ({
    sla: String(r.sla),
    pipeline: String(r.pipeline),
    breached: r.breached === true,
    detail: textOrNull(r.detail) ?? '',
    breachedSince: isoInstant(r.opened_at_ms),
    checkedAt: isoInstant(r.checked_at_ms) ?? '',
  }));
}
