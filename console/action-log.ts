import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One action taken in the console: who, when, what, and the Temporal run or schedule it started or changed. */
export interface ActionRecord {
  at: string;
  user: string;
  action: string;
  /** What it acted on, e.g. `2026-07-01T00:00Z model.edp.int_claims_enriched+`. */
  target: string;
  /** Workflow ids it started (or the schedule it changed). */
  started: string[];
  error?: string;
}

/**
 * The console's own record of actions, one JSON object per line in the state folder. Temporal records each
 * too: runs carry the console user as the starting client's identity, schedule pauses a note naming them.
 */
export class ActionLog {
  constructor(private readonly file: string) {}

  /** Appends one record. */
  record(r: ActionRecord): void {
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(r)}\n`, { mode: 0o600 });
  }

  /** The latest `limit` records, newest first. */
  recent(limit = 50): ActionRecord[] {
    if (!existsSync(this.file)) return [];
    const lines = readFileSync(this.file, 'utf8').trim().split('\n').filter(Boolean);
    return lines
      .slice(-limit)
      .reverse()
      .map((l) => JSON.parse(l) as ActionRecord);
  }
}
