import { ErrorType, type ErrorClassification } from '../../../lib/errors';

/**
 * Snowflake error codes a retry cannot fix: wrong credentials or key (390100, 390144), no warehouse
 * selected (000606), an object missing or not authorized (002003, 002043; their SQLSTATE 02000 says
 * nothing), insufficient privileges (003001).
 */
const SNOWFLAKE_PERMANENT = new Set(['390100', '390144', '000606', '002003', '002043', '003001']);

/** The same login failures as the driver's pool reports them: its message only, without the code. */
const SNOWFLAKE_LOGIN_REFUSED = /^(Incorrect username or password was specified|JWT token is invalid)/;

/** SQLSTATE classes a retry cannot fix: 42 (syntax, unknown object, access), 22 (data), 23 (constraint), 0A (unsupported). */
const PERMANENT_SQLSTATE = /^(42|22|23|0A)/;

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

const badInput: ErrorClassification = Object.freeze({ type: ErrorType.BadInput, retryable: false });
const badSql: ErrorClassification = Object.freeze({ type: ErrorType.BadSql, retryable: false });

/**
 * Classifies an error of the Snowflake driver or of its external stage's S3 client: refused logins and
 * S3 setup mistakes are bad input, permanent codes and SQLSTATE classes bad SQL; anything else is not its own.
 */
export function classifySnowflakeError(e: Error): ErrorClassification | undefined {
  if (S3_PERMANENT.has(e.name) || e.message === 'Region is missing') return badInput;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && SNOWFLAKE_PERMANENT.has(code.padStart(6, '0'))) return badSql;
  if (SNOWFLAKE_LOGIN_REFUSED.test(e.message)) return badInput;
  const sqlState = (e as { sqlState?: unknown }).sqlState;
  if (typeof sqlState === 'string' && PERMANENT_SQLSTATE.test(sqlState)) return badSql;
  return undefined;
}
