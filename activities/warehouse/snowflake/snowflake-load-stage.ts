import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../../../lib/errors';
import { S3_URL, SNOWFLAKE_STAGE_NAME } from './snowflake-config';
import type { Dialect } from '../dialect';
import type { WarehouseSession } from '../warehouse';

/** An external S3 stage loads go through instead of the internal one (`warehouse.snowflake.stage`). */
export interface ExternalStageOptions {
  /** The stage, as `schema.stage` or `database.schema.stage`; created beforehand with a storage integration. */
  name: string;
  /** Where the stage points, `s3://bucket/prefix/`: files are written there and COPY reads them through the stage. */
  url: string;
  /** The bucket's AWS region; default from the AWS environment. */
  region?: string;
  /** An S3-compatible endpoint instead of AWS (path-style addressing), e.g. a local S3 in tests. */
  endpoint?: string;
}

/** Where a load's canonical CSV waits for COPY INTO: the internal stage by PUT, or an external S3 stage. */
export interface LoadStage {
  /** Checks or creates the stage, outside any transaction (Snowflake commits DDL on its own). */
  prepare(session: WarehouseSession): Promise<void>;
  /** Puts the local file under `path` (`<schema>.<table>/<key>/`) and returns the location COPY reads. */
  put(session: WarehouseSession, local: string, path: string): Promise<string>;
  /** Deletes what `put` left under `path`; a no-op when nothing is left (COPY … PURGE took it). */
  remove(path: string): Promise<void>;
}

/**
 * The internal stage `<schema>.LANDING`, created on first use (in the load schema, which
 * `prepareSnowflakeLoad` creates first); files go up with PUT (gzip on the way).
 */
export function internalStage(d: Dialect, schema: string): LoadStage {
  const stage = d.table({ schema, table: 'landing' });
  return {
    async prepare(session) {
      await session.execute(`CREATE STAGE IF NOT EXISTS ${stage}`);
    },
    async put(session, local, path) {
      const at = `@${stage}/${path}`;
      await session.query(`PUT ${d.literal(`file://${local}`)} ${at} AUTO_COMPRESS = TRUE OVERWRITE = TRUE`);
      return at;
    },
    async remove() {
      // COPY … PURGE = TRUE removed the file; a failed load's file is overwritten by nobody and small.
    },
  };
}

/** Reads `warehouse.snowflake.stage`: a clear error naming the key when the name or URL is malformed. */
export function parseExternalStage(o: ExternalStageOptions): { bucket: string; prefix: string } {
  if (!SNOWFLAKE_STAGE_NAME.test(o.name)) {
    throw new ConfigError(`"${o.name}" is not schema.stage or database.schema.stage`, {
      fix: 'warehouse.snowflake.stage.name',
    });
  }
  const m = S3_URL.exec(o.url);
  if (!m) {
    throw new ConfigError(`"${o.url}" is not s3://bucket/prefix/ (only S3 stages are supported)`, {
      fix: 'warehouse.snowflake.stage.url',
    });
  }
  const prefix = m[2] === '' || m[2].endsWith('/') ? m[2] : `${m[2]}/`;
  return { bucket: m[1], prefix };
}

/**
 * An external S3 stage: the file is gzipped straight to `url/<path>data.csv.gz` with the AWS SDK (its
 * default credential chain: environment, profile, instance role) and read by COPY through the stage;
 * `remove` deletes the object whether or not COPY purged it. `prepare` checks that the stage exists
 * and points at `url`, so a load never writes to one bucket while COPY reads another.
 */
export function externalS3Stage(o: ExternalStageOptions): LoadStage {
  const { bucket, prefix } = parseExternalStage(o);
  let client: S3Client | undefined;
  const s3 = async (): Promise<S3Client> => {
    // Loaded on first use, like the Snowflake SDK (the AWS SDK warns on stderr in every process loading it).
    const { S3Client: Client } = await import('@aws-sdk/client-s3');
    client ??= new Client({
      // A bucket in another region than the configured one answers with a redirect the client follows.
      followRegionRedirects: true,
      ...(o.region ? { region: o.region } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint, forcePathStyle: true } : {}),
    });
    return client;
  };
  const objectKey = (path: string): string => `${prefix}${path}data.csv.gz`;
  return {
    async prepare(session) {
      const parts = o.name.split('.');
      const name = parts.pop() as string;
      const notFound = (why: string): ConfigError =>
        new ConfigError(
          `stage ${o.name} does not exist or this role cannot see it ` +
            `(create it on ${o.url} with a storage integration; see docs/snowflake.md)${why}`,
          { fix: 'warehouse.snowflake.stage.name' },
        );
      const stages = await session
        .query<{ name: string; url: string | null }>(`SHOW STAGES IN SCHEMA ${parts.join('.')}`)
        .catch((err: { code?: unknown; message?: string }) => {
          // 002003: the schema itself is missing or not authorized; anything else is classified as it is.
          if (String(err.code).padStart(6, '0') === '002003') throw notFound(`: ${err.message}`);
          throw err;
        });
      const found = stages.find((s) => s.name.toUpperCase() === name.toUpperCase());
      if (!found) throw notFound('');
      const at = String(found.url ?? ''); // empty for an internal stage
      const url = at.endsWith('/') ? at : `${at}/`;
      if (url !== `s3://${bucket}/${prefix}`) {
        throw new ConfigError(`stage ${o.name} points at ${at || 'an internal stage'}, not ${o.url}`, {
          fix: 'warehouse.snowflake.stage.url',
        });
      }
    },
    async put(_session, local, path) {
      const { Upload } = await import('@aws-sdk/lib-storage');
      // Multipart for big files; the stream is gzipped on the way (COPY detects .gz like a PUT's AUTO_COMPRESS).
      // pipeline, not pipe: a read error ends the upload instead of leaving it waiting, and closes the file.
      const body = createGzip({ level: 1 });
      const reading = pipeline(createReadStream(local), body);
      const upload = new Upload({ client: await s3(), params: { Bucket: bucket, Key: objectKey(path), Body: body } });
      try {
        await Promise.all([reading, upload.done()]);
      } catch (err) {
        body.destroy();
        await reading.catch(() => undefined);
        throw err;
      }
      return `@${o.name}/${path}`;
    },
    async remove(path) {
      const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
      await (await s3()).send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(path) }));
    },
  };
}
