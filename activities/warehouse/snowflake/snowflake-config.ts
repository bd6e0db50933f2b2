import { z } from 'zod';
import { positiveInt } from '../../../lib/config/primitives';

/** A Snowflake stage named `schema.stage` or `database.schema.stage` (unquoted identifiers). */
export const SNOWFLAKE_STAGE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){1,2}$/;
/** `s3://bucket/prefix/`: the bucket (group 1) and the prefix (group 2, may be empty). */
export const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/;

/** The `warehouse.snowflake` section; secrets come from the environment or files, never from the config file. */
export const snowflakeConfigSchema = z
  .object({
    account: z.string().min(1),
    user: z.string().min(1),
    database: z.string().min(1),
    schema: z.string().min(1).default('PUBLIC'),
    warehouse: z.string().min(1).optional(),
    role: z.string().min(1).optional(),
    /** Environment variable holding the password (password auth). */
    passwordEnv: z.string().min(1).default('SNOWFLAKE_PASSWORD'),
    /** File holding the password (a mounted secret), instead of `passwordEnv`. */
    passwordFile: z.string().min(1).optional(),
    /** PEM private key file for key-pair auth (preferred for service users). */
    privateKeyFile: z.string().min(1).optional(),
    /** Environment variable holding the PEM private key, instead of `privateKeyFile`. */
    privateKeyEnv: z.string().min(1).optional(),
    /** Environment variable holding the passphrase of an encrypted private key. */
    privateKeyPassphraseEnv: z.string().min(1).optional(),
    /** File holding the passphrase of an encrypted private key, instead of `privateKeyPassphraseEnv`. */
    privateKeyPassphraseFile: z.string().min(1).optional(),
    /** Another endpoint than https://<account>.snowflakecomputing.com (e.g. the local fakesnow server). */
    accessUrl: z.string().url().optional(),
    /** Connections in the worker's pool at most. */
    poolMax: positiveInt.default(4),
    /**
     * An external S3 stage for bulk loads instead of the internal `EDP_STAGE.LANDING` (e.g. where
     * PUT is not allowed). Files are written with the AWS default credentials; see docs/snowflake.md.
     */
    stage: z
      .object({
        /** The stage, created beforehand on `url` with a storage integration. */
        name: z.string().regex(SNOWFLAKE_STAGE_NAME, 'expected schema.stage or database.schema.stage'),
        /** Where the stage points. */
        url: z.string().regex(S3_URL, 'expected s3://bucket/prefix/ (only S3 stages are supported)'),
        /** The bucket's region; default from the AWS environment. */
        region: z.string().min(1).optional(),
        /** An S3-compatible endpoint instead of AWS (path-style), e.g. a local S3. */
        endpoint: z.string().url().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .optional();
/** The validated `warehouse.snowflake` section, when set. */
export type SnowflakeConfig = NonNullable<z.infer<typeof snowflakeConfigSchema>>;
