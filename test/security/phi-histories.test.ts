import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startPipeline } from '../../cli/pipeline-run';
import { temporalClient, withWorker } from '../../cli/session';
import type { PlatformPipelineResult } from '../../workflows/platform-pipeline';
import { landSample, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

const REPO = join(__dirname, '..', '..');
const INTERVAL = { start: '2026-05-01T00:00:00.000Z', end: '2026-05-01T04:00:00.000Z' };

/** Every history event of every workflow on the test's task queue, as stored (protobuf bytes). */
async function storedHistories(client: Client, taskQueue: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const wf of client.workflow.list()) {
    if (wf.taskQueue !== taskQueue) continue;
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await client.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: wf.workflowId, runId: wf.runId },
        nextPageToken,
      });
      parts.push(Buffer.from(temporal.api.history.v1.History.encode(page.history ?? {}).finish()));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
  }
  return Buffer.concat(parts);
}

/** A rules folder whose one claims rule fails for big claims: their ids (the PHI markers) travel in the gate's result. */
function bigClaimsRule(severity: 'error' | 'warn'): string {
  const dir = tmpDir('edp-rules-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'claims.yml'),
    `table: staging.stg_claims\nkey: [claim_id]\nrules:\n  - { name: no_big_claims, type: business, expression: billed_amount < 4000, severity: ${severity} }\n`,
  );
  return dir;
}

/** The platform's dbt project plus a model whose SQL fails on a member's name and id, which DuckDB quotes in its error. */
function projectWithFailingModel(): string {
  const dir = tmpDir('edp-models-');
  cpSync(join(REPO, 'models'), dir, { recursive: true });
  writeFileSync(
    join(dir, 'marts', 'member_name_probe.sql'),
    "{{ config(schema='marts', tags=['marts']) }}\n" +
      "select cast(first_name || ' ' || last_name || ' ' || member_id as integer) as n from {{ ref('stg_members') }}\n",
  );
  return dir;
}

/**
 * Runs one pipeline on the dev server with the project's default key handling (unless `overrides` opt
 * out), then reads the stored histories straight from the server, without the codec.
 */
async function runAndScan(name: string, overrides: Record<string, unknown>) {
  // Its own pipeline name: other suites run the same interval in the same namespace at the same time
  // (schedule-backfill's dry run once listed this suite's failed run as its own).
  const pipeline = {
    heartbeatSeconds: 5,
    sensor: { pokeMinutes: 1, timeoutMinutes: 1 },
    name: name.replace(/-/g, '_'),
  };
  const loaded = testConfig(name, { pipeline, ...overrides });
  await landSample(loaded, INTERVAL);
  const { client, close } = await temporalClient(loaded.config);
  try {
    const outcome = await withWorker<PlatformPipelineResult | Error>(
      loaded.config,
      async () => (await startPipeline(client, loaded.config, INTERVAL)).result().catch((err: Error) => err),
      () => {},
    );
    const stored = await storedHistories(client, loaded.config.temporal.taskQueues.workflows);
    expect(stored.length).toBeGreaterThan(1000);
    const found = (markers: string[]) => markers.filter((m) => stored.includes(Buffer.from(m)));
    return { outcome, found };
  } finally {
    await close();
  }
}

/** The messages of an error and its causes, as the client decoded them. */
function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as Error | undefined; e; e = e.cause as Error | undefined) parts.push(e.message);
  return parts.join('\n');
}

describe('PHI never readable in Temporal histories (dev server, DuckDB)', () => {
  it('with payloadEncryption: false the blocked run’s claim ids are in the stored history (the scan can see them)', async () => {
    const { outcome, found } = await runAndScan('sec-phi-plain', {
      quality: { rulesDir: bigClaimsRule('error') },
      temporal: { payloadEncryption: false },
    });
    const result = outcome as PlatformPipelineResult;
    expect(result.status).toBe('blocked');
    const markers = result.quality.blocking[0].sampleKeys;
    expect(markers).toHaveLength(5);
    expect(found(markers)).toEqual(markers);
  });

  it.each([
    { status: 'blocked', severity: 'error', reported: 'blocking' },
    { status: 'succeeded', severity: 'warn', reported: 'warnings' },
  ] as const)(
    'by default (a key set made on first run) a $status run stores no claim id its gate reported, and the client still reads results',
    async ({ status, severity, reported }) => {
      const { outcome, found } = await runAndScan(`sec-phi-${status}`, {
        quality: { rulesDir: bigClaimsRule(severity) },
      });
      const result = outcome as PlatformPipelineResult;
      expect(result.status).toBe(status);
      const markers = result.quality[reported][0].sampleKeys;
      expect(markers).toHaveLength(5);
      expect(found(markers)).toEqual([]);
    },
  );

  it('by default a failed run stores neither the member name nor the id its DuckDB error quotes (message and stack)', async () => {
    const { outcome, found } = await runAndScan('sec-phi-failed', {
      quality: { rulesDir: bigClaimsRule('warn') },
      transform: { projectDir: projectWithFailingModel() },
    });
    expect(outcome).toBeInstanceOf(Error);
    // The client, holding the key set, reads the whole failure: the quoted row value is really in it.
    const text = messages(outcome);
    const quoted = /Could not convert string '([^']+) (M\d+)'/.exec(text);
    expect(quoted).not.toBeNull();
    const [, name, memberId] = quoted!;
    expect(found([name, memberId, `${name} ${memberId}`])).toEqual([]);
  });
});
