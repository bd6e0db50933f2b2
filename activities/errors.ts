import { ApplicationFailure } from '@temporalio/common';

/** Error types the workflows see; `nonRetryable` ones need a person to fix input, config or SQL. */
export const ErrorType = Object.freeze({
  BadInput: 'EdpBadInput',
  BadSql: 'EdpBadSql',
  WarehouseBusy: 'EdpWarehouseBusy',
});

const NON_RETRYABLE_SQL = /^(Parser|Binder|Catalog|Conversion|Invalid Input|Constraint|Not implemented) Error/;

/**
 * Snowflake error codes a retry cannot fix: wrong credentials or key (390100, 390144), no warehouse
 * selected (000606), an object missing or not authorized (002003, 002043; their SQLSTATE 02000 says
 * nothing), insufficient privileges (003001).
 */
const SNOWFLAKE_PERMANENT = new Set(['390100', '390144', '000606', '002003', '002043', '003001']);

/** The same login failures as the driver's pool reports them: its message only, without the code. */
const SNOWFLAKE_LOGIN_REFUSED = /^(Incorrect username or password was specified|JWT token is invalid)/;

/**
 * AWS SDK errors (an external stage's bucket) a retry cannot fix: a missing bucket, refused, unknown or
 * absent credentials, a region that does not fit the bucket.
 */
const S3_PERMANENT = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
]);

/**
 * Turns any error thrown inside an activity into a classified ApplicationFailure: bad input and bad
 * SQL are non-retryable with a message a person can act on; everything else (I/O, locks, timeouts) retries.
 */
export function classifyError(err: unknown, context: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  // Duck-typed: errors from native addons may come from another realm, where `instanceof Error` is false.
  const e: Error =
    typeof err === 'object' && err !== null && typeof (err as Error).message === 'string'
      ? (err as Error)
      : new Error(String(err));
  const message = `${context}: ${e.message}`;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EISDIR') return ApplicationFailure.nonRetryable(message, ErrorType.BadInput);
  if (NON_RETRYABLE_SQL.test(e.message)) return ApplicationFailure.nonRetryable(message, ErrorType.BadSql);
  if (e.name === 'RealtimeConfigError') return ApplicationFailure.nonRetryable(message, ErrorType.BadInput);
  if (S3_PERMANENT.has(e.name) || e.message === 'Region is missing') {
    return ApplicationFailure.nonRetryable(message, ErrorType.BadInput);
  }
  if (typeof code === 'string' && SNOWFLAKE_PERMANENT.has(code.padStart(6, '0'))) {
    return ApplicationFailure.nonRetryable(message, ErrorType.BadSql);
  }
  if (SNOWFLAKE_LOGIN_REFUSED.test(e.message)) return ApplicationFailure.nonRetryable(message, ErrorType.BadInput);
  // Snowflake: SQLSTATE class 42 (syntax, unknown object, access), 22 (data), 23 (constraint), 0A (unsupported).
  const sqlState = (e as { sqlState?: unknown }).sqlState;
  if (typeof sqlState === 'string' && /^(42|22|23|0A)/.test(sqlState)) {
    return ApplicationFailure.nonRetryable(message, ErrorType.BadSql);
  }
  if (e.name === 'WarehouseLockedError') return ApplicationFailure.retryable(message, ErrorType.WarehouseBusy);
  return ApplicationFailure.retryable(message, e.name);
}

/** Runs an activity body and classifies whatever it throws. */
export async function classified<T>(context: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw classifyError(err, context);
  }
}
