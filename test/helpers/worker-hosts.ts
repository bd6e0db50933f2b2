import type { ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parse as parseYaml, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../workers/config';
import type { EdpConfig } from '../../workers/config-schema';
import { tmpDir } from './tmp';
import { startWorkerProcess } from './worker-process';

/** A worker host of a drill: its folder, config file and loaded config. */
export type WorkerHost = LoadedConfig & { file: string; dir: string };

/**
 * One host of a many-worker drill: its own folder (config copy, state folder, manifest cache) holding its own
 * copies of the secrets the control config names (payload key set, Temporal TLS files, Snowflake password) as a
 * host gets them mounted, so it shares nothing on disk with the others; only the services are shared.
 */
export function hostConfig(control: LoadedConfig & { file: string }, name: string): WorkerHost {
  const dir = tmpDir(`edp-${name}-`);
  const secret = (path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    const copy = join(dir, basename(path));
    copyFileSync(path, copy);
    return copy;
  };
  const yaml = parseYaml(readFileSync(control.file, 'utf8')) as Record<string, Record<string, unknown>>;
  const { temporal, warehouse } = control.config;
  const tls = temporal.tls && {
    ...(yaml.temporal.tls as object),
    caFile: secret(temporal.tls.caFile),
    certFile: secret(temporal.tls.certFile),
    keyFile: secret(temporal.tls.keyFile),
  };
  const snowflake = warehouse.snowflake && {
    ...(yaml.warehouse.snowflake as object),
    passwordFile: secret(warehouse.snowflake.passwordFile),
  };
  const file = join(dir, 'edp.config.yaml');
  writeFileSync(
    file,
    stringify({
      ...yaml,
      stateDir: join(dir, 'state'),
      temporal: { ...yaml.temporal, payloadKeyFile: secret(temporal.payloadKeyFile), ...(tls ? { tls } : {}) },
      ...(snowflake ? { warehouse: { ...yaml.warehouse, snowflake } } : {}),
    }),
  );
  return { ...loadConfig({ file, env: {} }), file, dir };
}

/** `edp worker` in a host's own folder (cwd), logging to `worker.log` there; resolves once it polls. */
export function startHostWorker(
  host: { file: string; dir: string; config: EdpConfig },
  role?: string,
): Promise<ChildProcess> {
  return startWorkerProcess(
    host.file,
    join(host.dir, 'worker.log'),
    {},
    { cwd: host.dir, args: role ? ['--role', role] : [] },
  );
}

/** Who ran what in a run, child runs included: worker identities (`pid@host`) per event. */
export interface RunIdentities {
  /** Of every started activity task. */
  activities: string[];
  /** Of every completed activity task. */
  completed: string[];
  /** Of every started workflow task. */
  workflowTasks: string[];
}

/** The identities of the workers that ran a workflow's activities and workflow tasks, its child runs included. */
export async function runIdentities(client: Client, workflowId: string, runId?: string): Promise<RunIdentities> {
  const out: RunIdentities = { activities: [], completed: [], workflowTasks: [] };
  const visit = async (id: string, run?: string): Promise<void> => {
    const history = await client.workflow.getHandle(id, run).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.activityTaskStartedEventAttributes?.identity)
        out.activities.push(e.activityTaskStartedEventAttributes.identity);
      if (e.activityTaskCompletedEventAttributes?.identity)
        out.completed.push(e.activityTaskCompletedEventAttributes.identity);
      if (e.workflowTaskStartedEventAttributes?.identity)
        out.workflowTasks.push(e.workflowTaskStartedEventAttributes.identity);
      const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId) await visit(child.workflowId, child.runId ?? undefined);
    }
  };
  await visit(workflowId, runId);
  return out;
}

/** The process ids in worker identities (`pid@host`). */
export const identityPids = (identities: readonly string[]): Set<number> =>
  new Set(identities.map((id) => Number(id.split('@')[0])));
