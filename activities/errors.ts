import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { edpClassification, ErrorType, type ErrorClassification } from '../lib/errors';
import { DRIVER_ERROR_CLASSIFIERS } from './driver-errors';

export {
  BadInputError,
  BadSqlError,
  ConfigError,
  EdpError,
  ErrorType,
  ProjectError,
  WarehouseBusyError,
  type DriverErrorClassifier,
  type EdpErrorOptions,
  type ErrorClassification,
} from '../lib/errors';

/** A missing file or a directory where a file was expected: the path is wrong, a retry cannot fix it. */
const BAD_PATH_ERRNO = new Set(['ENOENT', 'EISDIR']);

function classify(e: Error): ErrorClassification | undefined {
  const family = edpClassification(e);
  if (family) return family;
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && BAD_PATH_ERRNO.has(code)) return { type: ErrorType.BadInput, retryable: false };
  for (const driver of DRIVER_ERROR_CLASSIFIERS) {
    const found = driver(e);
    if (found) return found;
  }
  return undefined;
}

/**
 * Turns any error thrown inside an activity into a classified ApplicationFailure: family members by
 * their marker, Node path errors and known driver errors as bad input or bad SQL (non-retryable, with a
 * message a person can act on); everything else (I/O, locks, timeouts) retries. `context`, when given,
 * prefixes the message with what the activity was doing.
 */
export function classifyError(err: unknown, context?: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  // Duck-typed: errors from native addons may come from another realm, where `instanceof Error` is false.
  const e: Error =
    typeof err === 'object' && err !== null && typeof (err as Error).message === 'string'
      ? (err as Error)
      : new Error(String(err));
  const message = context === undefined ? e.message : `${context}: ${e.message}`;
  const found = classify(e);
  if (!found) return ApplicationFailure.retryable(message, e.name);
  return found.retryable
    ? ApplicationFailure.retryable(message, found.type)
    : ApplicationFailure.nonRetryable(message, found.type);
}

/**
 * A cancelled activity is not a failure: Temporal reports it cancelled only when it sees the
 * CancelledFailure or the AbortError (the SDK's own test is by that name) the activity was stopped with.
 */
function isCancellation(err: unknown): boolean {
  return err instanceof CancelledFailure || (err as Error | undefined)?.name === 'AbortError';
}

async function guarded<T>(context: string | undefined, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw isCancellation(err) ? err : classifyError(err, context);
  }
}

/** Runs an activity body and classifies whatever it throws, cancellation aside. */
export function classified<T>(context: string, body: () => Promise<T>): Promise<T> {
  return guarded(context, body);
}

/**
 * Wraps every activity so that nothing leaves it unclassified: the one boundary between activity code
 * and Temporal. Errors a body already classified with context pass through unchanged.
 */
export function classifiedActivities<A extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: A,
): A {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = (...args) => guarded(undefined, () => activity(...args));
  }
  return wrapped as A;
}
