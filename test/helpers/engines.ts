import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse, type Warehouse } from '../../activities/warehouse';
import { testServices } from '../setup/test-services';
import { openFakesnow, openFakesnowWithS3Stage, realSnowflakeFromEnv, realSnowflakeS3StageFromEnv } from './fakesnow';
import { tmpDir } from './tmp';

/** What a suite may count on an engine doing its own way. */
export interface EngineExpectations {
  /** Unquoted identifiers are stored upper-cased (Snowflake), not as written. */
  upperCaseIdentifiers: boolean;
  /** Bulk loads copy through a per-table stage table in `edp_stage`, emptied by the load's transaction. */
  stageTables: boolean;
  /** Slow enough per statement that suites send it less data. */
  slow: boolean;
  /** A file inside the worker's process, which holds it alone: the CLI reads it through the worker. */
  embedded: boolean;
}

/** A warehouse engine the integration suites run on. */
export interface TestEngine {
  /** Its name in EDP_TEST_ENGINES and in test titles. */
  name: 'duckdb' | 'snowflake' | 'snowflake-real';
  /** Its `warehouse.engine` and dialect name. */
  engine: 'duckdb' | 'snowflake';
  /** The engine the others are compared with, on the same input. */
  reference: boolean;
  /** A fresh warehouse for one suite; `label` keeps its database apart from other suites'. */
  open(label: string): Promise<Warehouse>;
  /** The config overrides (for `testConfig`) that put a worker on this engine, its database ready. */
  configOverrides(label: string): Promise<Record<string, unknown>>;
  /** A warehouse that bulk-loads through an external S3 stage, where the engine has one. */
  openWithExternalStage?(label: string): Promise<Warehouse>;
  expects: EngineExpectations;
}

/** The local Snowflake-protocol server's database for `label`, apart from other test processes'. */
const fakesnowDatabase = (label: string) => `edp_${label.replace(/\W/g, '_')}_${process.pid}`;

const duckdb: TestEngine = {
  name: 'duckdb',
  engine: 'duckdb',
  reference: true,
  open: (label) => DuckDbWarehouse.open({ path: join(tmpDir(), `${label}.duckdb`) }),
  configOverrides: () => Promise.resolve({}), // testConfig's default: a DuckDB file in the test's state folder
  expects: { upperCaseIdentifiers: false, stageTables: false, slow: false, embedded: true },
};

const snowflake: TestEngine = {
  name: 'snowflake',
  engine: 'snowflake',
  reference: false,
  open: (label) => openFakesnow(fakesnowDatabase(label)),
  async configOverrides(label) {
    const database = fakesnowDatabase(label);
    await (await openFakesnow(database)).close(); // creates the database
    const secret = join(tmpDir(), 'password');
    writeFileSync(secret, 'snow\n');
    const snowflake = {
      account: 'fakesnow',
      user: 'fake',
      database,
      schema: 'PUBLIC',
      passwordFile: secret,
      accessUrl: `http://127.0.0.1:${testServices().snowflakePort}`,
    };
    return { warehouse: { engine: 'snowflake', snowflake } };
  },
  openWithExternalStage: (label) => openFakesnowWithS3Stage(`${fakesnowDatabase(label)}_s3`, s3Bucket(label)),
  expects: { upperCaseIdentifiers: true, stageTables: true, slow: true, embedded: false },
};

/** Real Snowflake, when SNOWFLAKE_ACCOUNT (with SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_DATABASE) is set. */
function realSnowflake(): TestEngine | undefined {
  const open = realSnowflakeFromEnv();
  if (!open) return undefined;
  const external = realSnowflakeS3StageFromEnv();
  return {
    name: 'snowflake-real',
    engine: 'snowflake',
    reference: false,
    open,
    configOverrides: () =>
      Promise.resolve({
        warehouse: {
          engine: 'snowflake',
          snowflake: {
            account: process.env.SNOWFLAKE_ACCOUNT,
            user: process.env.SNOWFLAKE_USER ?? '',
            database: process.env.SNOWFLAKE_DATABASE ?? 'EDP_TEST',
            warehouse: process.env.SNOWFLAKE_WAREHOUSE,
            role: process.env.SNOWFLAKE_ROLE,
          },
        },
      }),
    ...(external ? { openWithExternalStage: external } : {}),
    expects: { upperCaseIdentifiers: true, stageTables: true, slow: true, embedded: false },
  };
}

/** The local S3 bucket behind a suite's external stage. */
export const s3Bucket = (label: string): string => `edp-${label.replace(/[\W_]/g, '-')}-${process.pid}`;

/** Every engine this machine can run, the reference first. */
export const AVAILABLE_ENGINES: readonly TestEngine[] = [
  duckdb,
  snowflake,
  ...[realSnowflake()].filter((e) => e !== undefined),
];

/** The engine comparisons are made against; embedded, so it opens whatever EDP_TEST_ENGINES says. */
export const REFERENCE_ENGINE: TestEngine = duckdb;

/**
 * The engines this run tests: EDP_TEST_ENGINES, comma-separated, names engines (`duckdb`, `snowflake`
 * for the local server, `snowflake-real`) or engine families (`snowflake` takes in real Snowflake too
 * when it is configured); unset, every available engine.
 */
export function selectedEngines(spec = process.env.EDP_TEST_ENGINES): readonly TestEngine[] {
  if (!spec?.trim()) return AVAILABLE_ENGINES;
  const names = spec.split(',').map((s) => s.trim().toLowerCase());
  const known = ['duckdb', 'snowflake', 'snowflake-real'];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`EDP_TEST_ENGINES: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return AVAILABLE_ENGINES.filter((e) => names.includes(e.name) || names.includes(e.engine));
}

/**
 * `describe.each` over the available engines that `which` keeps, run for those EDP_TEST_ENGINES selects
 * and listed as a todo for the rest (jest refuses an empty table, and a file with no test at all).
 * `title` takes the engine's name at `%s`.
 */
export function describeEngines(
  title: string,
  fn: (engine: TestEngine) => void,
  which: (engine: TestEngine) => boolean = () => true,
): void {
  const selected = selectedEngines();
  const candidates = AVAILABLE_ENGINES.filter(which);
  const run = candidates.filter((e) => selected.includes(e));
  if (run.length) describe.each(run.map((e) => [e.name, e] as const))(title, (_name, engine) => fn(engine));
  for (const e of candidates.filter((c) => !run.includes(c)))
    it.todo(`${title.replace('%s', e.name)}: left out by EDP_TEST_ENGINES=${process.env.EDP_TEST_ENGINES}`);
}

/**
 * In a describe block: the warehouse `open` gives and one on the reference engine, opened before its
 * tests and closed after them; tests read them as `w` and `reference`.
 */
export function withReference(
  open: () => Promise<Warehouse>,
  referenceLabel: string,
): { w: Warehouse; reference: Warehouse } {
  const pair = {} as { w: Warehouse; reference: Warehouse };
  beforeAll(async () => {
    pair.w = await open();
    pair.reference = await REFERENCE_ENGINE.open(referenceLabel);
  });
  afterAll(async () => {
    await pair.w?.close();
    await pair.reference?.close();
  });
  return pair;
}

/** Predicate for {@link describeEngines}: the engines compared with the reference. */
export const compared = (e: TestEngine): boolean => !e.reference;

/** Predicate for {@link describeEngines}: one engine by name. */
export const only =
  (name: TestEngine['name']) =>
  (e: TestEngine): boolean =>
    e.name === name;
