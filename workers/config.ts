import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { withResolvedPaths } from '../activities/warehouse/warehouse-config';
import { ConfigError } from '../lib/errors';
import { isS3Location } from '../lib/config/schema';
import { configSchema, type EdpConfig } from './config-schema';
import { defaultKeyFile, KEYS_ENV } from './payload-key-location';
import { checkPipelineSelectors } from './pipeline-selectors';

/** Where the configuration came from, for messages and `edp status`. */
export interface LoadedConfig {
  config: Readonly<EdpConfig>;
  /** The config file read, if any. */
  file?: string;
  /** Environment variables that overrode a key. */
  overrides: string[];
}

const ENV_PREFIX = 'EDP_';

/** `EDP_TEMPORAL__ADDRESS` → `['temporal', 'address']`; segments are camelCased from snake case. */
function envPath(name: string): string[] {
  return name
    .slice(ENV_PREFIX.length)
    .split('__')
    .map((seg) => seg.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

function envValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown; // numbers, booleans, arrays, objects
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function formatIssues(err: ZodError, source: string, envByPath: Map<string, string>): string {
  // The variable that set `key` or a key above it; with `below`, also one that set a key under it.
  const fromEnv = (key: string, below = false): string | undefined =>
    [...envByPath.entries()].find(
      ([p]) => key === p || key.startsWith(`${p}.`) || (below && p.startsWith(`${key}.`)),
    )?.[1];
  const lines = err.issues.flatMap((issue) => {
    const key = issue.path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      // A misspelt EDP_* variable adds a key the file never had: name the variable, not the file.
      const named = issue.keys.map((k) => ({ k, env: fromEnv([...issue.path, k].join('.'), true) }));
      const byEnv = named.filter((n) => n.env !== undefined);
      const inFile = named.filter((n) => n.env === undefined).map((n) => n.k);
      return [
        ...byEnv.map(({ k, env }) => ({
          env: true,
          text: `  ${env}: names no configuration key ("${k}" is not a key of ${issue.path.length ? key : 'the top level'}); see docs/configuration.md`,
        })),
        ...(inFile.length
          ? [{ env: false, text: `  ${key}: Unrecognized key(s) in object: '${inFile.join("', '")}'` }]
          : []),
      ];
    }
    const env = fromEnv(key);
    return [{ env: env !== undefined, text: `  ${key}${env ? ` (from ${env})` : ''}: ${issue.message}` }];
  });
  const where = lines.every((l) => l.env) ? 'in the EDP_* environment variables' : `in ${source}`;
  return `invalid configuration ${where}:\n${lines.map((l) => l.text).join('\n')}`;
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Config file; default `EDP_CONFIG`, else `edp.config.yaml` in `cwd` when it exists. */
  file?: string;
  /** Environment to read `EDP_*` overrides from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
}

/** `EDP_*` variables that are not config keys, so never overrides: each is read where its comment says. */
const RESERVED_ENV: ReadonlySet<string> = new Set([
  'EDP_CONFIG', // the config file (here)
  'EDP_CACHE_DIR', // where service binaries install (infra/install.ts)
  'EDP_LOG_LEVEL', // the Temporal runtime's log level (workers/logging.ts)
  KEYS_ENV, // the payload key set itself (workers/payload-codec.ts)
  'EDP_TEST_SERVICES_DIR', // the test run's services (test/setup)
  'EDP_TEST_ENGINES', // the engines the integration suites run on (test/helpers/engines.ts)
  'EDP_UPDATE_SCREENSHOTS', // the browser tests overwrite docs/images (test/helpers/chromium.ts)
  'EDP_TEST_KEEP_TMP', // a test run keeps its temporary folders (test/helpers/tmp.ts)
  // Secrets under the names docs/deploy.md suggests for `…Env` keys (read where the config names them),
  // reserved so an exported one is never read as a config key (nor its value echoed in an error).
  'EDP_TEMPORAL_API_KEY', // temporal.apiKeyEnv (workers/temporal-connection.ts)
  'EDP_TEMPORAL_TLS_CERT', // temporal.tls.certEnv
  'EDP_TEMPORAL_TLS_KEY', // temporal.tls.keyEnv
  'EDP_KAFKA_SASL_PASSWORD', // kafka.sasl.passwordEnv (activities/connections/kafka-connection.ts)
  'EDP_SOURCE_PASSWORD', // sources[].passwordEnv (activities/connections/postgres-connection.ts)
  'EDP_S3_ACCESS_KEY_ID', // s3.accessKeyIdEnv (activities/storage/s3-object-store.ts)
  'EDP_S3_SECRET_ACCESS_KEY', // s3.secretAccessKeyEnv
]);

/** Variables the config itself names in a `…Env` key (a webhook URL, a password): secrets, not overrides. */
function namedByConfig(raw: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(raw)) raw.forEach((v) => namedByConfig(v, found));
  else if (typeof raw === 'object' && raw !== null) {
    for (const [key, value] of Object.entries(raw)) {
      if (key.endsWith('Env') && typeof value === 'string') found.add(value);
      else namedByConfig(value, found);
    }
  }
  return found;
}

/**
 * Reads the config file, applies `EDP_SECTION__KEY=value` environment overrides, validates with zod,
 * resolves relative paths (stateDir against the file's folder, other paths against stateDir) and freezes it.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env.EDP_CONFIG;
  const candidate = explicit ? resolve(cwd, explicit) : resolve(cwd, 'edp.config.yaml');
  if (explicit && !existsSync(candidate)) throw new ConfigError(`config file ${candidate} does not exist`);
  const file = existsSync(candidate) ? candidate : undefined;

  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed))
          throw new ConfigError(`${file}: the top level must be a mapping`);
        raw = parsed as Record<string, unknown>;
      }
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
  }

  const overrides: string[] = [];
  const envByPath = new Map<string, string>();
  const secrets = namedByConfig(raw);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV.has(name) || secrets.has(name) || value === undefined) continue;
    const path = envPath(name);
    setPath(raw, path, envValue(value));
    overrides.push(name);
    envByPath.set(path.join('.'), name);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error, file ?? 'the built-in defaults', envByPath));
  const config = result.data;
  const base = file ? dirname(file) : cwd;
  config.stateDir = resolve(base, config.stateDir);
  const inState = (p: string): string => (isAbsolute(p) ? p : resolve(config.stateDir, p));
  config.warehouse = withResolvedPaths(config.warehouse, inState);
  // An s3:// location is not a path: left as written.
  const inStateOrS3 = (p: string): string => (isS3Location(p) ? p : inState(p));
  config.landing.path = inStateOrS3(config.landing.path);
  config.export.path = inStateOrS3(config.export.path);
  if (config.lineage.file) config.lineage.file = inState(config.lineage.file);
  config.services.temporal.dbFile = inState(config.services.temporal.dbFile);
  config.services.temporal.cluster.pkiDir = inState(config.services.temporal.cluster.pkiDir);
  config.quality.rulesDir = resolve(base, config.quality.rulesDir);
  config.transform.projectDir = resolve(base, config.transform.projectDir);
  if (config.temporal.payloadEncryption) {
    // Every process reads the one key set: the configured file, else the state folder's own.
    const keyFile = config.temporal.payloadKeyFile;
    config.temporal.payloadKeyFile = keyFile ? resolve(base, keyFile) : defaultKeyFile(config.stateDir);
  }
  if (config.services.cacheDir) config.services.cacheDir = resolve(base, config.services.cacheDir);
  resolveConnectionFiles(config, (p) => resolve(base, p));
  checkPipelineSelectors(config, file ?? 'the built-in defaults');
  return { config: deepFreeze(config), file, overrides };
}

/** Certificate, key and secret files of the connection settings (`…File` keys) resolve against the config's folder. */
function resolveConnectionFiles(config: EdpConfig, at: (path: string) => string): void {
  const files = (section: Record<string, unknown> | undefined): void => {
    for (const [key, value] of Object.entries(section ?? {})) {
      if (key.endsWith('File') && typeof value === 'string') section![key] = at(value);
    }
  };
  files(config.temporal.tls);
  files(config.temporal);
  files(config.kafka.ssl);
  files(config.kafka.sasl);
  files(config.s3);
  config.sources.forEach(files);
}

const SECRET_KEY = /password|secret|token|privateKey|routingKey|apiKey/i;

/**
 * The config with secrets replaced by `<redacted>`: webhook and lineage URLs (they carry their tokens) and any key
 * named like a password, secret, token, private key or routing key. For `edp config` and logs.
 */
export function redactConfig(config: EdpConfig): unknown {
  const walk = (value: unknown, path: string[]): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, path));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        const secret =
          (SECRET_KEY.test(k) && !k.endsWith('Env') && !k.endsWith('File')) ||
          (['alerts.webhooks', 'lineage.http'].includes(path.join('.')) && k === 'url');
        return [k, secret && v !== undefined ? '<redacted>' : walk(v, [...path, k])];
      }),
    );
  };
  return walk(config, []);
}
