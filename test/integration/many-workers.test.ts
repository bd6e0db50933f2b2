import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { writeSampleFiles } from '../../cli/sample-files';
import { startPipeline } from '../../cli/pipeline-run';
import { nodeRunsOf, payloadDecoder } from '../../cli/transform-node-runs';
import { localWorkers, startWorkerDaemon, stopWorkerDaemon } from '../../cli/worker-daemon';
import type { PlatformPipelineResult } from '../../workflows/platform-pipeline';
import { stepWorkflowId } from '../../lib/ids';
import type { LoadedConfig } from '../../workers/config';
import type { EdpConfig } from '../../workers/config-schema';
import { defaultKeyFile, dataConverterFor } from '../../workers/payload-codec';
import { openWarehouse } from '../../workers/warehouse-factory';
import { AVAILABLE_ENGINES } from '../helpers/engines';
import { historyValue, landSample, testClient, testConfig, VOLATILE_COLUMNS } from '../helpers/platform';
import { hostConfig, identityPids, runIdentities, startHostWorker, type WorkerHost } from '../helpers/worker-hosts';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';

const EDP = join(__dirname, '..', '..', 'bin', 'edp.js');
const snowflake = AVAILABLE_ENGINES.find((e) => e.name === 'snowflake')!;
const interval = { start: '2026-04-02T08:00:00.000Z', end: '2026-04-02T12:00:00.000Z' };
/** The pipeline name the test configs keep (`pipeline.name`'s default). */
const PIPELINE = 'platform';
const sample = { members: 60, providers: 8, claimsPerInterval: 300 };
/** Float sums depend on the order rows are added in; 12 significant digits are what two equal runs agree on. */
const stable = (v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v);
/** Both runs retry a killed worker's activities after a second, not the default ten. */
const fastRetries = {
  pipeline: {
    heartbeatSeconds: 5,
    sensor: { pokeMinutes: 1, timeoutMinutes: 1 },
    retries: { default: { initialSeconds: 1 } },
  },
};

/** A host of the cluster with the sample files every host sees in its own landing folder. */
function hostWithFiles(control: LoadedConfig & { file: string }, name: string): WorkerHost {
  const host = hostConfig(control, name);
  writeSampleFiles(host.config, interval, { seed: 1, dirt: 0.02, ...sample });
  return host;
}

/** Runs of the transform's runNode (activities and local activities) that completed so far (0 before the transform starts). */
async function nodesDone(client: Client): Promise<number> {
  try {
    const history = await client.workflow.getHandle(stepWorkflowId(PIPELINE, 'transform', interval)).fetchHistory();
    return (await nodeRunsOf(history.events ?? [], payloadDecoder(client))).filter((r) => r.completed).length;
  } catch {
    return 0;
  }
}

/** Every row of the platform's tables, volatile columns left out, as a sorted hash per table; and raw's duplicate rows. */
async function fingerprint(config: EdpConfig): Promise<{ tables: Record<string, string>; rawDuplicates: number }> {
  const w = await openWarehouse(config);
  try {
    const tables: Record<string, string> = {};
    let rawDuplicates = 0;
    for (const ref of await w.listTables()) {
      if (!['raw', 'staging', 'intermediate', 'marts', 'snapshots', 'audit'].includes(ref.schema)) continue;
      const cols = (await w.describeTable(ref))!.map((c) => c.name).filter((c) => !VOLATILE_COLUMNS.includes(c));
      const rows = await w.query(
        `SELECT ${cols.map((c) => w.dialect.quoteIdent(c)).join(', ')} FROM ${w.dialect.table(ref)}`,
      );
      const lines = rows.map((r) => JSON.stringify(cols.map((c) => stable(r[c])))).sort();
      if (ref.schema === 'raw') rawDuplicates += lines.length - new Set(lines).size;
      tables[`${ref.schema}.${ref.table}`] =
        `${lines.length} rows ${createHash('md5').update(lines.join('\n')).digest('hex')}`;
    }
    return { tables, rawDuplicates };
  } finally {
    await w.close();
  }
}

/**
 * Three worker processes on three "hosts" (folders that share nothing on disk) with one Snowflake-protocol
 * warehouse and one Temporal server: a pipeline interval (file ingest, SQL extract, the platform's dbt
 * project, quality, export) runs across all three, one is killed -9 mid-transform, and the tables equal a
 * single worker's undisturbed run. The first host's worker is started as `edp up` starts it, which on
 * Snowflake waited for a DuckDB lease file that never came.
 */
describe('three worker processes, one Snowflake warehouse, no shared disk', () => {
  const workers: ChildProcess[] = [];
  afterEach(() => {
    for (const w of workers.splice(0)) if (w.exitCode === null) w.kill('SIGKILL');
  });

  it('spreads a run over every worker, survives kill -9 of one, and ends with a single worker’s tables', async () => {
    // The reference: one worker, undisturbed, in a database of its own.
    const single = testConfig('many-single', { ...(await snowflake.configOverrides('many_single')), ...fastRetries });
    await landSample(single, interval, sample);
    const alone = await startWorkerProcess(single.file, join(single.config.stateDir, 'worker.log'));
    workers.push(alone);
    const ref = await testClient(single.config);
    let expected: PlatformPipelineResult;
    try {
      expected = await (await startPipeline(ref.client, single.config, interval)).result();
    } finally {
      await ref.close();
    }
    await stopGracefully(alone);
    expect(expected.status).toBe('succeeded');

    // The cluster: the control config (this process, the operator) and three hosts.
    const control = testConfig('many-cluster', {
      ...(await snowflake.configOverrides('many_cluster')),
      ...fastRetries,
    });
    await landSample(control, interval, sample); // the operational database's rows
    dataConverterFor(control.config); // creates the key set the hosts get a copy of
    expect(control.config.temporal.payloadKeyFile).toBe(defaultKeyFile(control.config.stateDir));
    const hosts = ['host-a', 'host-b', 'host-c'].map((h) => hostWithFiles(control, h));

    // Host A as `edp up` starts it: in the background, ready once it polls (no lease file on Snowflake).
    const cwd = process.cwd();
    process.chdir(hosts[0].dir);
    const daemon = await startWorkerDaemon(hosts[0].config, hosts[0].file).finally(() => process.chdir(cwd));
    try {
      expect(daemon.alreadyRunning).toBe(false);
      expect(localWorkers(hosts[0].config).map((w) => [w.pid, w.role])).toEqual([[daemon.pid, 'all']]);
      const status = await runEdp(hosts[0].file, ['status']);
      expect(status).toMatch(new RegExp(`worker \\(all\\)\\s+running \\(pid ${daemon.pid}\\)`));
      const b = await startHostWorker(hosts[1]);
      const c = await startHostWorker(hosts[2], 'activities');
      workers.push(b, c);

      const { client, close } = await testClient(control.config);
      try {
        const handle = await startPipeline(client, control.config, interval);
        // Kill -9 host B once the transform is under way and every host has run something.
        for (;;) {
          const seen = identityPids((await runIdentities(client, handle.workflowId)).activities);
          if ((await nodesDone(client)) >= 3 && [daemon.pid, b.pid, c.pid].every((p) => seen.has(p!))) break;
          if ((await handle.describe()).status.name !== 'RUNNING')
            throw new Error('the run ended before every host worked');
          await new Promise((r) => setTimeout(r, 500));
        }
        b.kill('SIGKILL');
        await new Promise((r) => b.once('exit', r));
        expect((await handle.describe()).status.name).toBe('RUNNING'); // the kill landed mid-run

        const result = await handle.result();
        expect(result.status).toBe('succeeded');
        const ran = await runIdentities(client, handle.workflowId);
        const activityPids = identityPids(ran.activities);
        for (const pid of [daemon.pid, b.pid, c.pid]) expect([pid, activityPids.has(pid!)]).toEqual([pid, true]);
        // Host C polls activities only; workflow tasks ran on A and B.
        expect(identityPids(ran.workflowTasks).has(c.pid!)).toBe(false);
        // Planned once; every host that ran a node read the manifest from the warehouse into its own cache.
        const checksum = await plannedChecksum(client);
        const cached = hosts.filter((h) => existsSync(join(h.config.stateDir, 'manifests', `${checksum}.json`)));
        expect(cached.length).toBeGreaterThanOrEqual(2);

        expect(result.ingest).toEqual(expected.ingest);
        expect(result.transform.models.map((m) => [m.model, m.status, m.rows])).toEqual(
          expected.transform.models.map((m) => [m.model, m.status, m.rows]),
        );
      } finally {
        await close();
      }
      const [cluster, reference] = [await fingerprint(control.config), await fingerprint(single.config)];
      expect(Object.keys(cluster.tables).length).toBeGreaterThan(15);
      expect(cluster.tables).toEqual(reference.tables);
      expect(cluster.rawDuplicates).toBe(0);
    } finally {
      await stopWorkerDaemon(hosts[0].config);
    }
  }, 300_000);

  it('refuses a second activities worker on one DuckDB file, naming the file, the holder and the ways out', async () => {
    const duck = testConfig('many-duckdb');
    const first = await startWorkerProcess(duck.file, join(duck.config.stateDir, 'worker.log'));
    workers.push(first);
    const second = await runEdp(duck.file, ['worker'], 1);
    const file = duck.config.warehouse.duckdb.path;
    expect(second).toContain(`warehouse.engine: ${file} is held by another worker (pid ${first.pid})`);
    expect(second).toContain('warehouse.engine: snowflake');
    expect(second).toContain('edp worker --role workflows');
    // A workflows-only worker opens no warehouse, so it may run beside the one holding the file.
    const flows = await startWorkerProcess(
      duck.file,
      join(duck.config.stateDir, 'flows.log'),
      {},
      { args: ['--role', 'workflows'] },
    );
    workers.push(flows);
    expect(
      localWorkers(duck.config)
        .map((w) => w.role)
        .sort(),
    ).toEqual(['all', 'workflows']);
  });
});

/** The checksum the cluster run's transform planned, from its planTransform result. */
async function plannedChecksum(client: Client): Promise<string> {
  const history = await client.workflow.getHandle(stepWorkflowId(PIPELINE, 'transform', interval)).fetchHistory();
  for (const e of history.events ?? []) {
    const input = e.activityTaskScheduledEventAttributes;
    if (input?.activityType?.name !== 'runNode') continue;
    return (await historyValue<{ checksum: string }>(client, input.input!.payloads![0])).checksum;
  }
  throw new Error('no runNode in the transform history');
}

/** Runs `edp <args>` with a config; its stdout and stderr, after it exits with `exitCode`. */
function runEdp(configFile: string, args: string[], exitCode = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EDP, ...args], { env: { ...process.env, EDP_CONFIG: configFile } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === exitCode) resolve(out);
      else reject(new Error(`edp ${args.join(' ')} exited with ${code}, expected ${exitCode}:\n${out}`));
    });
  });
}
