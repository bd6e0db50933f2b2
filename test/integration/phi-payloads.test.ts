import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startPipeline } from '../../cli/pipeline-run';
import { temporalClient, withWorker } from '../../cli/session';
import { newKeySet } from '../../workers/payload-codec';
import { landSample, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

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

/**
 * A pipeline whose quality gate blocks, so claim ids (the PHI markers here) travel in results; the
 * stored histories are then read straight from the server, without the codec.
 */
async function runAndScan(name: string, payloadKeyFile?: string) {
  const interval = { start: '2026-05-01T00:00:00.000Z', end: '2026-05-01T04:00:00.000Z' };
  const rulesDir = tmpDir('edp-rules-');
  mkdirSync(rulesDir, { recursive: true });
  writeFileSync(
    join(rulesDir, 'claims.yml'),
    'table: staging.stg_claims\nkey: [claim_id]\nrules:\n  - { name: no_big_claims, type: business, expression: billed_amount < 4000 }\n',
  );
  const loaded = testConfig(name, { quality: { rulesDir }, ...(payloadKeyFile ? { payloadKeyFile } : {}) });
  await landSample(loaded, interval);
  const { client, close } = await temporalClient(loaded.config);
  try {
    const result = await withWorker(
      loaded.config,
      async () => (await startPipeline(client, loaded.config, interval)).result(),
      () => {},
    );
    expect(result.status).toBe('blocked');
    const markers = result.quality.blocking[0].sampleKeys;
    expect(markers).toHaveLength(5);
    const stored = await storedHistories(client, loaded.config.temporal.taskQueues.workflows);
    expect(stored.length).toBeGreaterThan(1000);
    return { markers, found: markers.filter((m) => stored.includes(Buffer.from(m))) };
  } finally {
    await close();
  }
}

describe('PHI never readable in Temporal (dev server)', () => {
  it('without a key set the claim ids are in the stored history (the scan can see them)', async () => {
    const { markers, found } = await runAndScan('it-phi-plain');
    expect(found).toEqual(markers);
  });

  it('with a key set no claim id appears anywhere in the stored history, and the client still reads results', async () => {
    const keyFile = join(tmpDir('edp-keys-'), 'keys.json');
    writeFileSync(keyFile, newKeySet('k1'), { mode: 0o600 });
    const { found } = await runAndScan('it-phi-encrypted', keyFile);
    expect(found).toEqual([]);
  });
});
