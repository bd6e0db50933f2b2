import { Client } from '@temporalio/client';
import { join } from 'node:path';
import type { AuditSource } from '../activities/audit';
import type { Row } from '../activities/warehouse';
import { withWarehouseReader } from '../cli/session';
import type { EdpConfig } from '../workers/config-schema';
import { dataConverterFor } from '../workers/payload-codec';
import { ActionLog } from './action-log';
import { ProjectGraphs } from './project-graph';
import { TemporalRuns } from './temporal-runs';

/** What every page and API reads from: Temporal, the audit tables, the dbt project and the action log. */
export class ConsoleContext {
  readonly runs: TemporalRuns;
  readonly project: ProjectGraphs;
  readonly actions: ActionLog;

  constructor(
    readonly config: EdpConfig,
    readonly client: Client,
  ) {
    this.runs = new TemporalRuns(client, config);
    this.project = new ProjectGraphs(config);
    this.actions = new ActionLog(join(config.stateDir, 'console', 'actions.jsonl'));
  }

  /** A client whose starts Temporal records under the console user's name (the history's `identity`). */
  clientAs(user: string): Client {
    return new Client({
      connection: this.client.connection,
      namespace: this.config.temporal.namespace,
      dataConverter: dataConverterFor(this.config),
      identity: `edp-console:${user}`,
    });
  }

  /** Runs `fn` on the warehouse's audit tables (read only). */
  audit<T>(fn: (src: AuditSource) => Promise<T>): Promise<T> {
    return withWarehouseReader(this.config, fn);
  }
}

/** A query's rows, or none when a table it reads was never created (nothing of that kind has run yet). */
export async function rowsOrNone(src: AuditSource, sql: string): Promise<Row[]> {
  try {
    return await src.query(sql);
  } catch (err) {
    if (/does not exist|not found|Catalog Error/i.test((err as Error).message)) return [];
    throw err;
  }
}
