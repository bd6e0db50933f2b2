import { Client } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { startPipeline } from '../../cli/pipeline-run';
import { withWorker } from '../../cli/session';
import { writeSampleFiles, writeSampleSources } from '../../cli/sample-files';
import type { DataInterval } from '../../lib/intervals';
import type { SampleOptions } from '../../cli/sample-data';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import { loadConfig, type LoadedConfig } from '../../workers/config';
import type { EdpConfig } from '../../workers/config-schema';
import type { PlatformPipelineResult } from '../../workflows/platform-pipeline';
import { dataConverterFor } from '../../workers/payload-codec';
import { connectClientConnection } from '../../workers/temporal-connection';
import { testServices } from '../setup/test-services';
import { tmpDir } from './tmp';

const REPO = join(__dirname, '..', '..');

/**
 * A config file for one test: the repository's entities and marts, the test run's Temporal server,
 * its own state folder (DuckDB file, landing zone, exports) and its own task queues.
 */
export function testConfig(name: string, overrides: Record<string, unknown> = {}): LoadedConfig & { file: string } {
  const dir = tmpDir(`edp-${name}-`);
  const base = loadConfig({ file: join(REPO, 'edp.config.yaml'), env: {} }).config;
  const file = join(dir, 'edp.config.yaml');
  writeFileSync(
    file,
    stringify({
      stateDir: join(dir, 'state'),
      pipeline: { heartbeatSeconds: 5, sensor: { pokeMinutes: 1, timeoutMinutes: 1 } },
      temporal: {
        address: testServices().temporalAddress,
        taskQueues: { workflows: `${name}-workflows`, warehouse: `${name}-warehouse` },
        // Replay fixtures must be readable without the test's key set (it is gone with the test's state folder).
        ...(process.env.RECORD_HISTORIES === '1' ? { payloadEncryption: false } : {}),
        ...(overrides.temporal as Record<string, unknown> | undefined),
      },
      warehouse: { duckdb: { queryPort: 0 } },
      metrics: { port: 0 }, // in-process workers share one runtime; the metrics test runs its worker as a process
      quality: { rulesDir: join(REPO, 'quality', 'rules') },
      transform: { projectDir: join(REPO, 'models') },
      landing: { entities: base.landing.entities },
      // Each test gets its own operational database on the test run's PostgreSQL.
      sources: base.sources.map((s) => ({
        ...s,
        port: testServices().postgresPort,
        database: `edp_${name.replace(/-/g, '_')}`,
      })),
      export: { marts: base.export.marts },
      ...Object.fromEntries(Object.entries(overrides).filter(([k]) => k !== 'temporal')),
    }),
  );
  return { ...loadConfig({ file, env: {} }), file };
}

/** Writes sample landing files for the interval, and its rows into the test's operational database. */
export async function landSample(
  loaded: LoadedConfig,
  interval: DataInterval,
  options: Partial<SampleOptions> = {},
): Promise<void> {
  writeSampleFiles(loaded.config, interval, {
    seed: 1,
    members: 300,
    providers: 20,
    claimsPerInterval: 3000,
    dirt: 0.02,
    ...options,
  });
  await writeSampleSources(loaded.config, interval, 1);
}

/** A client on the test run's Temporal server, with the test config's data converter (its payload key set). */
export async function testClient(config: EdpConfig): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await connectClientConnection(config.temporal);
  return {
    client: new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverterFor(config) }),
    close: () => connection.close(),
  };
}

/** A value in a fetched history (`fetchHistory` leaves payloads as stored), decoded as `client` decodes it. */
export async function historyValue<T>(
  client: { options: { loadedDataConverter: LoadedDataConverter } },
  payload: Payload,
): Promise<T> {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = [payload];
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return payloadConverter.fromPayload<T>(decoded[0]);
}

/**
 * Columns that differ between two equal runs: clock times, load ids, run ids, the export's run-specific txn version
 * and folder, and its file size (Parquet compression depends on row order, which SQL leaves open).
 */
export const VOLATILE_COLUMNS = [
  '_edp_loaded_at',
  '_edp_load_id', // a sequence: a killed load's transaction may have used a number
  'load_id',
  'loaded_at',
  'checked_at',
  'scored_at',
  'recorded_at',
  'exported_at',
  'extracted_at',
  'data_loaded_at', // marts.mart_member_portal: the stalest feed's load time
  'applied_at', // the audit schema's migration time and lock holder
  'holder',
  'locked_at',
  'txn_version',
  'table_path',
  'bytes',
  // transform: the run's id and clock (snapshot versions of the check strategy start at the run's start time)
  'invocation_id',
  'finished_at',
  'dbt_scd_id',
  'dbt_updated_at',
  'dbt_valid_from',
  'member_version_id',
  'valid_from',
  // the shared dbt manifest: when it was stored, and its text (the manifest records when it was generated)
  'stored_at',
  'body',
];

/**
 * Row count and content hash of every table in the platform's layers, volatile audit columns left out;
 * `same` maps text that differs by design (a run's pipeline name in its run ids) to what it is compared as.
 */
export async function warehouseFingerprint(
  path: string,
  same: Record<string, string> = {},
): Promise<Record<string, string>> {
  const w = await DuckDbWarehouse.open({ path });
  try {
    const out: Record<string, string> = {};
    for (const ref of await w.listTables()) {
      if (!['raw', 'staging', 'intermediate', 'marts', 'snapshots', 'audit'].includes(ref.schema)) continue;
      const cols = (await w.describeTable(ref))!.map((c) => c.name).filter((c) => !VOLATILE_COLUMNS.includes(c));
      const list = cols.map((c) => w.dialect.quoteIdent(c)).join(', ');
      const text = Object.entries(same).reduce(
        (sql, [from, to]) => `replace(${sql}, ${w.dialect.literal(from)}, ${w.dialect.literal(to)})`,
        `(${list})::VARCHAR`,
      );
      const [row] = await w.query<{ n: string; h: string }>(
        `SELECT count(*) AS n, md5(coalesce(string_agg(r, '|' ORDER BY r), '')) AS h FROM (SELECT ${text} AS r FROM ${w.dialect.table(ref)})`,
      );
      out[`${ref.schema}.${ref.table}`] = `${row.n} rows ${row.h}`;
    }
    return out;
  } finally {
    await w.close();
  }
}

/** Runs the pipeline for one interval under a worker of `config`, and says how it ended (`failed` when it threw). */
export async function runInterval(
  client: Client,
  config: EdpConfig,
  interval: DataInterval,
): Promise<PlatformPipelineResult['status'] | 'failed'> {
  return withWorker(
    config,
    async () => {
      const handle = await startPipeline(client, config, interval);
      return handle.result().then(
        (r) => r.status,
        () => 'failed' as const,
      );
    },
    () => {},
  );
}
