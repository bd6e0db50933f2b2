import type { S3Config } from '../../lib/config/schema';
import { ConfigError } from '../../lib/errors';
import { secretKey } from '../connections/secrets';

/** What an S3 failure is checked against: the configured location's key and the `s3` section. */
export interface S3ErrorContext {
  /** The config key holding the `s3://` location (`landing.path`, `export.path`). */
  locationKey: string;
  location: string;
  bucket: string;
  s3: S3Config;
  /** The region the client signs for. */
  region?: string;
}

/** The parts of an AWS SDK error this reads. */
interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  /** The bucket's region in an `AuthorizationHeaderMalformed` document. */
  Region?: string;
}

const BAD_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
]);
const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IncorrectEndpoint']);

/** The config key of the credentials: the secret when its signature was refused, else the access key id. */
function credentialsKey(s3: S3Config, name: string): string {
  return name === 'SignatureDoesNotMatch'
    ? secretKey('s3.secretAccessKey', { env: s3.secretAccessKeyEnv, file: s3.secretAccessKeyFile }, 'Env')
    : secretKey('s3.accessKeyId', { env: s3.accessKeyIdEnv, file: s3.accessKeyIdFile }, 'Env');
}

/** The error a bucket in another region than the client's gets, naming `s3.region`. */
export function regionMismatch(ctx: S3ErrorContext, bucketRegion: string | undefined): ConfigError {
  return new ConfigError(
    `bucket ${ctx.bucket} (${ctx.locationKey}: ${ctx.location}) is in ${bucketRegion ?? 'another region'}, not ${ctx.region ?? 'the default region'}: set s3.region to the bucket's region`,
    { fix: 's3.region' },
  );
}

/** The error a location on a bucket that does not exist gets, naming the location's key. */
export function bucketMissing(ctx: S3ErrorContext, cause?: unknown): ConfigError {
  return new ConfigError(`bucket ${ctx.bucket} does not exist (${ctx.locationKey}: ${ctx.location})`, {
    fix: ctx.locationKey,
    cause,
  });
}

/**
 * A ConfigError naming the key to fix for S3 failures a retry cannot mend (a missing bucket, refused
 * credentials, a region mismatch, no region at all); undefined for the rest (network, throttling), which retry.
 */
export function s3ConfigError(err: unknown, ctx: S3ErrorContext): ConfigError | undefined {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const detail = `${name || status}${e.message && e.message !== name && e.message !== 'UnknownError' ? `: ${e.message}` : ''}`;
  if (/region is missing/i.test(e.message ?? ''))
    return new ConfigError('no region: set s3.region (or AWS_REGION)', { fix: 's3.region', cause: err });
  if (name === 'NoSuchBucket') return bucketMissing(ctx, err);
  // S3 names the bucket's region in a header on every answer about it; a HEAD's refusal (301, or 400 from
  // regions opened since 2019 and for a SigV4 scope of the wrong region) has no body to say more.
  const bucketRegion = e.$response?.headers?.['x-amz-bucket-region'] ?? e.Region;
  const elsewhere = status === 400 && bucketRegion !== undefined && bucketRegion !== ctx.region;
  if (WRONG_REGION.has(name) || status === 301 || elsewhere) return regionMismatch(ctx, bucketRegion);
  if (BAD_CREDENTIALS.has(name) || name === 'Forbidden' || name === 'AccessDenied' || status === 403) {
    const what =
      name === 'AccessDenied' || name === 'Forbidden' || status === 403
        ? `these credentials may not use bucket ${ctx.bucket}`
        : 'the credentials were refused';
    return new ConfigError(`${what} (${ctx.locationKey}: ${ctx.location}; ${detail})`, {
      fix: credentialsKey(ctx.s3, name),
      cause: err,
    });
  }
  return undefined;
}
