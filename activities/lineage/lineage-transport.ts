import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LineageConfig } from '../../lib/config/schema';
import type { RunEvent } from './lineage-events';

/** Why an event did not go out: a status or an error class, never the URL (it may hold a token) or the event. */
export type DeliveryProblem = string;

/** POSTs one event, retrying network errors, 5xx and 429 up to `retries` times with a short backoff. */
async function post(
  http: NonNullable<LineageConfig['http']>,
  event: RunEvent,
  env: NodeJS.ProcessEnv,
): Promise<DeliveryProblem | undefined> {
  const base = http.url ?? (http.urlEnv ? env[http.urlEnv] : undefined);
  if (!base) return `lineage.http.urlEnv: ${http.urlEnv} is not set`;
  const apiKey = http.apiKeyEnv ? env[http.apiKeyEnv] : undefined;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  let problem: DeliveryProblem | undefined;
  for (let attempt = 0; attempt <= http.retries; attempt++) {
    if (attempt > 0) await sleep(200 * 2 ** (attempt - 1));
    try {
      const response = await fetch(`${base.replace(/\/+$/, '')}${http.endpoint}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(http.timeoutSeconds * 1000),
      });
      if (response.ok) return undefined;
      problem = `answered ${response.status}`;
      if (response.status < 500 && response.status !== 429) return problem;
    } catch (err) {
      problem = `unreachable (${(err as Error).name})`;
    }
  }
  return problem;
}

/**
 * Sends events to every configured transport: appended as NDJSON to `lineage.file`, POSTed one by one to
 * `lineage.http`. Never throws; returns what could not be delivered, per transport, for the caller to log.
 */
export async function deliverLineage(
  config: LineageConfig,
  events: readonly RunEvent[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ dropped: number; problems: DeliveryProblem[] }> {
  const problems = new Set<DeliveryProblem>();
  let dropped = 0;
  if (config.file && events.length > 0) {
    try {
      await mkdir(dirname(config.file), { recursive: true });
      await appendFile(config.file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    } catch (err) {
      problems.add(`file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).name}`);
      dropped = events.length;
    }
  }
  if (config.http) {
    let failed = 0;
    for (const event of events) {
      const problem = await post(config.http, event, env);
      if (problem) {
        problems.add(`http: ${problem}`);
        failed++;
      }
    }
    dropped = Math.max(dropped, failed);
  }
  return { dropped, problems: [...problems] };
}
