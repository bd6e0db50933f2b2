import type { Client } from '@temporalio/client';
import { describeLandingSensor } from '../lib/landing-sensor';
import { landingSensorQuery } from '../workflows/batch-ingest';

/** How often a waiting command asks the sensor; each query is a workflow task on the worker. */
const EVERY_MS = 2_000;

/** Prints what an ingest run's landing sensor waits for, each time that changes; polled while the run's ingest runs. */
export class LandingSensorWatch {
  private last = '';
  private nextAt = 0;

  constructor(
    private readonly client: Client,
    private readonly print: (line: string) => void,
  ) {}

  /** Asks the ingest run's sensor (at most every 2 s) and prints its status if it changed. */
  async poll(ingestWorkflowId: string): Promise<void> {
    if (Date.now() < this.nextAt) return;
    this.nextAt = Date.now() + EVERY_MS;
    // Without a worker a query waits for one: give up quickly, the next poll asks again.
    const status = await this.client
      .withDeadline(Date.now() + EVERY_MS, () =>
        this.client.workflow.getHandle(ingestWorkflowId).query(landingSensorQuery),
      )
      .catch(() => undefined);
    if (!status) return;
    const key = `${status.state} ${status.found}/${status.expected}`;
    if (key === this.last) return;
    this.last = key;
    this.print(describeLandingSensor(status));
  }
}
