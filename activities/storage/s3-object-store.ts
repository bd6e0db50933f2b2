import type { S3Client } from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseS3Location, type S3Config } from '../../lib/config/schema';
import { ConfigError } from '../../lib/errors';
import { readSecretLine } from '../connections/secrets';
import type { ObjectStore, StoredEntry } from './object-store';
import { bucketMissing, regionMismatch, s3ConfigError, type S3ErrorContext } from './s3-errors';

/** Where an {@link s3ObjectStore} is and how to reach it. */
export interface S3StoreOptions {
  /** `s3://bucket/prefix`. */
  location: string;
  /** The config key holding `location`, named by errors about it (`landing.path`, `export.path`). */
  locationKey: string;
  s3: S3Config;
  env?: NodeJS.ProcessEnv;
}

/** The AWS SDK's name for a HEAD answered 404 (it has no body to name the code). */
const missing = (err: unknown): boolean => ['NotFound', 'NoSuchKey'].includes((err as Error).name);

/** The HTTP status of an AWS SDK error. */
const status = (err: unknown): number | undefined =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** A client from the `s3` section: explicit keys when it names them, else the SDK's default chain. */
async function s3Client(o: S3StoreOptions): Promise<S3Client> {
  const { s3 } = o;
  const env = o.env ?? process.env;
  const accessKeyId = readSecretLine('s3.accessKeyId', { env: s3.accessKeyIdEnv, file: s3.accessKeyIdFile }, env);
  const secretAccessKey = readSecretLine(
    's3.secretAccessKey',
    { env: s3.secretAccessKeyEnv, file: s3.secretAccessKeyFile },
    env,
  );
  const sessionToken = readSecretLine('s3.sessionToken', { env: s3.sessionTokenEnv }, env);
  // Loaded on first use: the AWS SDK is heavy, and most workers keep their files on a local folder.
  const { S3Client: Client } = await import('@aws-sdk/client-s3');
  return new Client({
    ...(s3.region ? { region: s3.region } : {}),
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    forcePathStyle: s3.forcePathStyle ?? s3.endpoint !== undefined,
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
  });
}

/**
 * An {@link ObjectStore} on S3-compatible object storage through the AWS SDK: commits are conditional
 * writes (`If-None-Match: *`), files are read through a scratch copy and written with multipart uploads.
 * The first use checks the bucket (exists, credentials accepted, same region) so a wrong setting fails
 * at once, naming its key, before anything is written.
 */
export function s3ObjectStore(o: S3StoreOptions): ObjectStore {
  const parsed = parseS3Location(o.location);
  if (!parsed)
    throw new ConfigError(`"${o.location}" is not s3://bucket or s3://bucket/prefix`, { fix: o.locationKey });
  const { bucket, prefix } = parsed;
  const root = `s3://${bucket}${prefix ? `/${prefix.replace(/\/$/, '')}` : ''}`;
  const ctx: S3ErrorContext = { locationKey: o.locationKey, location: o.location, bucket, s3: o.s3 };
  const fullKey = (key: string): string => `${prefix}${key}`;
  let client: Promise<S3Client> | undefined;
  let checked: Promise<void> | undefined;
  const sdk = () => import('@aws-sdk/client-s3');

  const fail = (err: unknown): never => {
    throw s3ConfigError(err, ctx) ?? err;
  };
  const verify = async (): Promise<void> => {
    client ??= s3Client(o);
    const c = await client;
    ctx.region = await c.config.region().catch(() => undefined);
    const { HeadBucketCommand, ListObjectsV2Command } = await sdk();
    const head = await c.send(new HeadBucketCommand({ Bucket: bucket })).catch(async (err: unknown) => {
      if (missing(err)) throw bucketMissing(ctx, err);
      // A HEAD's 403 has no body to say why; a one-key listing does (unknown key id, wrong secret, denied).
      if (status(err) === 403) await c.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 })).catch(fail);
      return fail(err);
    });
    // S3 answers a bucket of another region with a redirect (handled above); S3-compatible servers may
    // serve it anyway, and say where it lives.
    if (head.BucketRegion && ctx.region && head.BucketRegion !== ctx.region)
      throw regionMismatch(ctx, head.BucketRegion);
  };
  const ready = async (): Promise<S3Client> => {
    checked ??= verify().catch((err: unknown) => {
      checked = undefined; // a transient failure is checked again by the retry
      throw err;
    });
    await checked;
    return client!;
  };
  /** GetObject of `key`, after the check. */
  const get = async (key: string) => {
    const c = await ready();
    const { GetObjectCommand } = await sdk();
    return c.send(new GetObjectCommand({ Bucket: bucket, Key: fullKey(key) })).catch(fail);
  };

  return {
    root,
    locationOf: (key) => `${root}/${key}`,
    check: async () => {
      await ready();
    },
    async list(dir) {
      const c = await ready();
      const { ListObjectsV2Command } = await sdk();
      const under = dir === '' ? prefix : `${fullKey(dir)}/`;
      const entries: StoredEntry[] = [];
      let token: string | undefined;
      do {
        const page = await c
          .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under, Delimiter: '/', ContinuationToken: token }))
          .catch(fail);
        for (const item of page.Contents ?? []) {
          const name = (item.Key ?? '').slice(under.length);
          if (name !== '') entries.push({ name, file: true, folder: false });
        }
        for (const p of page.CommonPrefixes ?? []) {
          entries.push({ name: (p.Prefix ?? '').slice(under.length).replace(/\/$/, ''), file: false, folder: true });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return entries;
    },
    async size(key) {
      const c = await ready();
      const { HeadObjectCommand } = await sdk();
      try {
        return (await c.send(new HeadObjectCommand({ Bucket: bucket, Key: fullKey(key) }))).ContentLength ?? 0;
      } catch (err) {
        if (missing(err)) return undefined;
        return fail(err);
      }
    },
    refusal: () => Promise.resolve(undefined), // object storage has no links or special files
    async read(key) {
      const got = await get(key);
      return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    },
    async withLocalCopy(key, use) {
      const got = await get(key);
      const scratch = mkdtempSync(join(tmpdir(), 'edp-s3-read-'));
      try {
        // The object's own name: readers decide by it (a .gz name is read gunzipped).
        const path = join(scratch, basename(key));
        await pipeline(got.Body as Readable, createWriteStream(path));
        return await use(path);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    async writeFrom(key, write) {
      const c = await ready();
      const scratch = mkdtempSync(join(tmpdir(), 'edp-s3-write-'));
      try {
        const path = join(scratch, basename(key));
        const value = await write(path);
        if (!existsSync(path)) return { value, size: undefined };
        const { Upload } = await import('@aws-sdk/lib-storage');
        // Multipart for big files; a failed upload aborts its parts, so nothing is left under the key.
        await new Upload({
          client: c,
          params: { Bucket: bucket, Key: fullKey(key), Body: createReadStream(path) },
        })
          .done()
          .catch(fail);
        return { value, size: statSync(path).size };
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    async putIfAbsent(key, body) {
      const c = await ready();
      const { PutObjectCommand } = await sdk();
      try {
        await c.send(new PutObjectCommand({ Bucket: bucket, Key: fullKey(key), Body: body, IfNoneMatch: '*' }));
        return true;
      } catch (err) {
        // 412: the key exists; 409: another conditional write of it is in flight (S3 lets one of them win).
        if (status(err) === 412 || status(err) === 409) return false;
        return fail(err);
      }
    },
    async remove(key) {
      const c = await ready();
      const { DeleteObjectCommand } = await sdk();
      await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: fullKey(key) })).catch(fail);
    },
  };
}
