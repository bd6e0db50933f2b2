import { RetryState } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** A failure's causes, outermost first. */
export function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/**
 * A failure's class, for alerts and lineage that must not carry its message (it may quote row values): the
 * innermost ApplicationFailure's type (`EdpBadSql`, `EdpBadInput`, `WebhookDown`), else the innermost error's name.
 */
export function errorClassOf(err: unknown): string {
  const chain = causes(err);
  const typed = chain.filter((e): e is ApplicationFailure => e instanceof ApplicationFailure && !!e.type);
  if (typed.length > 0) return typed[typed.length - 1].type!;
  const last = chain[chain.length - 1] as { name?: string } | undefined;
  return last?.name ?? 'Error';
}

/** Activities in the failure's causes that gave up because their retry policy ran out (attempts or time). */
export function exhaustedActivities(err: unknown): string[] {
  return causes(err).flatMap((e) =>
    e instanceof ActivityFailure &&
    (e.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED || e.retryState === RetryState.TIMEOUT)
      ? [e.activityType]
      : [],
  );
}
