import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  RetryState,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/common';
import { CliError } from './cli-errors';

/** One step of a failure's path: a child workflow or activity it passed through on its way up. */
export interface FailureStep {
  kind: 'workflow' | 'activity';
  name: string;
  /** The workflow id, or the activity's id within its workflow. */
  id?: string;
  /** Why Temporal stopped retrying it, when it says (a `RetryState`). */
  retry?: string;
}

/** A workflow failure read for a person: the root cause's message and the path from the top to it. */
export interface FailureReport {
  /** The innermost message: the classified failure, with the `file:line` or config key it names. */
  message: string;
  /** Its failure type (`EdpBadInput`, `EdpBadSql`, a driver's error name), when it has one. */
  type?: string;
  nonRetryable: boolean;
  /** How it ended besides failing: cancelled, terminated or timed out. */
  ending?: 'cancelled' | 'terminated' | 'timed out';
  /** Child workflows and activities from the outermost down. */
  path: FailureStep[];
}

/** Temporal's wrappers say only where a failure passed; their messages ("Activity task failed") are not causes. */
function isWrapper(e: unknown): boolean {
  return e instanceof WorkflowFailedError || e instanceof ChildWorkflowFailure || e instanceof ActivityFailure;
}

/** Reads a failure's cause chain down to its root; any other error reports its own message. */
export function failureReport(err: unknown): FailureReport {
  const path: FailureStep[] = [];
  let e: unknown = err;
  for (; isWrapper(e) && (e as Error).cause; e = (e as Error).cause) {
    if (e instanceof ChildWorkflowFailure)
      path.push({
        kind: 'workflow',
        name: e.workflowType,
        id: e.execution.workflowId ?? undefined,
        retry: e.retryState,
      });
    if (e instanceof ActivityFailure)
      path.push({ kind: 'activity', name: e.activityType, id: e.activityId, retry: e.retryState });
  }
  // An ApplicationFailure may wrap the error it was made from: its message is already the classified one.
  const root = e as Error;
  const report: FailureReport = { message: root.message || String(e), nonRetryable: false, path };
  if (root instanceof ApplicationFailure) {
    if (root.type) report.type = root.type;
    report.nonRetryable = root.nonRetryable === true;
  }
  if (root instanceof CancelledFailure) report.ending = 'cancelled';
  if (root instanceof TerminatedFailure) report.ending = 'terminated';
  if (root instanceof TimeoutFailure) report.ending = 'timed out';
  return report;
}

const RETRY_NOTE: Readonly<Record<string, string>> = {
  [RetryState.MAXIMUM_ATTEMPTS_REACHED]: 'gave up after its last attempt',
  [RetryState.TIMEOUT]: 'gave up: its retry time ran out',
};

/** How the failure's kind reads after its message: its type and whether it was retried. */
function kindNote(r: FailureReport): string {
  const retry = r.path.map((s) => (s.retry ? RETRY_NOTE[s.retry] : undefined)).find((n) => n !== undefined);
  const notes = [r.type, r.nonRetryable ? 'not retried: a person must fix it' : retry].filter(Boolean);
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

/**
 * A failure for the terminal: the root cause's message on the first line (never "Activity task failed"),
 * then where it happened, e.g. `in workflow transform edp-dbt-build-… → activity planTransform`.
 */
export function describeFailure(err: unknown): string {
  const r = failureReport(err);
  const head = r.ending ? `${r.ending}: ${r.message}` : `${r.message}${kindNote(r)}`;
  if (r.path.length === 0) return head;
  const where = r.path.map((s) => `${s.kind} ${s.name}${s.kind === 'workflow' && s.id ? ` ${s.id}` : ''}`);
  return `${head}\n  in ${where.join(' → ')}`;
}

/** Awaits a workflow's result; a failure becomes a {@link CliError} reading `<what> failed: <root cause>`. */
export async function resultOrCause<T>(what: string, result: Promise<T>): Promise<T> {
  try {
    return await result;
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new CliError(`${what} failed: ${describeFailure(err)}`);
    throw err;
  }
}
