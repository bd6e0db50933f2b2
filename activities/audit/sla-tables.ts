import { auditTable } from './audit-table';

/** Every SLA state of every check. */
export const SLA_CHECKS = auditTable('sla_checks', {
  checked_at: 'TIMESTAMPTZ',
  pipeline: 'VARCHAR',
  sla: 'VARCHAR',
  breached: 'BOOLEAN',
  detail: 'VARCHAR',
});

/** A breach from the check that found it to the check that found the SLA held again (open while `closed_at` is null). */
export const SLA_BREACHES = auditTable('sla_breaches', {
  breach_id: 'VARCHAR',
  pipeline: 'VARCHAR',
  sla: 'VARCHAR',
  detail: 'VARCHAR',
  opened_at: 'TIMESTAMPTZ',
  closed_at: 'TIMESTAMPTZ',
  recovery_detail: 'VARCHAR',
});

/** Which breach and recovery alerts went to which webhook, so a retry resends only what did not. */
export const SLA_ALERTS_SENT = auditTable('sla_alerts_sent', {
  breach_id: 'VARCHAR',
  kind: 'VARCHAR',
  webhook: 'VARCHAR',
  sent_at: 'TIMESTAMPTZ',
});
