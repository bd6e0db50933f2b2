import type { Client } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalBinaries } from '../../infra/install';

/** Where replay tests find saved workflow histories. */
export const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');

/**
 * With `RECORD_HISTORIES=1`, saves a finished workflow's history (in the `temporal workflow show
 * --output json` format) as a replay fixture named after its workflow type and scenario. Re-record
 * after an intended, versioned change to workflow code.
 */
export async function maybeRecordHistory(
  client: Client,
  address: string,
  workflowId: string,
  scenario: string,
): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const { type } = await client.workflow.getHandle(workflowId).describe();
  const json = execFileSync(
    ensureTemporalBinaries().temporal,
    ['workflow', 'show', '--address', address, '-w', workflowId, '--output', 'json'],
    {
      encoding: 'utf8',
    },
  );
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${type}.${scenario}.json`), json);
}
