import type { DataInterval } from '../../lib/intervals';

/** Something a run found wrong; keys, counts and error classes only (alerts leave the platform: no PHI). */
export interface IncidentFinding {
  /** `run-failed`, `gate-blocked`, `test-failed`, `rule-failed`, `retries-exhausted`, or a sender's own kind. */
  kind: string;
  /** What in the interval it is about (a test id, `table:rule`, `step:activity`); empty for the run as a whole. */
  subject: string;
  /** Counts and error classes, never row values or error messages. */
  detail: string;
}

/** What a run looked at: an open incident in scope that the run did not find again has recovered. */
export interface IncidentScope {
  kind: string;
  /** Only this subject; every subject of the kind when neither this nor `subjectPrefix` is set. */
  subject?: string;
  /** Only subjects starting with this. */
  subjectPrefix?: string;
}

/** Input of `recordRunIncidents`: one run's findings for its pipeline and interval. */
export interface RunIncidentReport {
  pipeline: string;
  interval: DataInterval;
  workflowId: string;
  runId: string;
  found: IncidentFinding[];
  checked: IncidentScope[];
}

/** What `recordRunIncidents` did. */
export interface RunIncidentResult {
  /** Dedup keys of incidents this run opened, and of those it recovered. */
  opened: string[];
  recovered: string[];
  /** Alerts and recoveries posted (per webhook). */
  sent: number;
}

/** The key that makes an incident one: its pipeline, interval, kind and subject. */
export function dedupKey(pipeline: string, intervalStart: string, kind: string, subject: string): string {
  return [pipeline, intervalStart, kind, subject].join('|');
}

/** True when the scope covers an incident of this kind and subject. */
export function inScope(scope: IncidentScope, kind: string, subject: string): boolean {
  if (scope.kind !== kind) return false;
  if (scope.subject !== undefined) return scope.subject === subject;
  return scope.subjectPrefix === undefined || subject.startsWith(scope.subjectPrefix);
}
