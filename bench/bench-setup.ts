/**
 * Set-up shared by the benches that run the platform pipeline through Temporal (bench/pipeline.ts,
 * bench/portal.ts): the repository's entities, models, rules and sources in a config of the bench's own,
 * and the Temporal dev server and PostgreSQL it runs against.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../infra/process';
import { removePostgres, startPostgres } from '../infra/postgres';
import { startTemporal, stopTemporal } from '../infra/temporal';
import type { DataInterval } from '../lib/intervals';
import { loadConfig, type LoadedConfig } from '../workers/config';

/** The repository's root, whose edp.config.yaml, models and rules the benches run. */
export const REPO = join(__dirname, '..');

/** The interval the pipeline benches generate and run. */
export const BENCH_INTERVAL: DataInterval = { start: '2026-03-01T04:00:00.000Z', end: '2026-03-01T08:00:00.000Z' };

/** Where a bench's config lives and which servers it talks to. */
export interface BenchConfigOptions {
  /** Folder of the config file and its state folder (`state/`). */
  dir: string;
  pipelineName: string;
  temporalAddress: string;
  taskQueues: { workflows: string; warehouse: string };
  postgresPort: number;
  /** The sources' PostgreSQL database. */
  database: string;
  /** Export the repository's marts (the pipeline's last step does it only when some are configured). */
  exportMarts?: boolean;
}

/** Writes and loads a config of the repository's entities, models, rules and sources on the bench's servers. */
export function benchConfig(o: BenchConfigOptions): LoadedConfig {
  const base = loadConfig({ file: join(REPO, 'edp.config.yaml'), env: {} }).config;
  mkdirSync(o.dir, { recursive: true });
  const file = join(o.dir, 'edp.config.yaml');
  writeFileSync(
    file,
    stringify({
      stateDir: join(o.dir, 'state'),
      pipeline: { name: o.pipelineName, sensor: { pokeMinutes: 1, timeoutMinutes: 1 } },
      temporal: { address: o.temporalAddress, taskQueues: o.taskQueues },
      warehouse: { duckdb: { queryPort: 0 } },
      metrics: { port: 0 },
      quality: { rulesDir: join(REPO, 'quality', 'rules') },
      transform: { projectDir: join(REPO, 'models') },
      landing: { entities: base.landing.entities },
      sources: base.sources.map((s) => ({ ...s, port: o.postgresPort, database: o.database })),
      ...(o.exportMarts ? { export: { marts: base.export.marts } } : {}),
    }),
  );
  return loadConfig({ file, env: {} });
}

/** The bench's own servers, on free loopback ports. */
export interface BenchServers {
  temporalAddress: string;
  postgresPort: number;
}

/** Runs `fn` with a Temporal dev server and PostgreSQL of the bench's own under `root`, both stopped after. */
export async function withBenchServers<T>(root: string, fn: (servers: BenchServers) => Promise<T>): Promise<T> {
  const log = (m: string): void => console.log(`  ${m}`);
  const temporalDir = join(root, 'temporal');
  const postgresDir = join(root, 'postgres');
  const [grpcPort, postgresPort] = [await freePort(), await freePort()];
  const local = { host: '127.0.0.1', log };
  await startTemporal({ ...local, dir: temporalDir, dbFile: join(temporalDir, 'temporal.sqlite'), grpcPort });
  try {
    await startPostgres({ ...local, dir: postgresDir, port: postgresPort });
    return await fn({ temporalAddress: `127.0.0.1:${grpcPort}`, postgresPort });
  } finally {
    await stopTemporal(temporalDir);
    await removePostgres(postgresDir);
  }
}
