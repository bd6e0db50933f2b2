/** Sum and count of one SDK latency histogram (ms), summed over its label sets. */
export interface Latency {
  ms: number;
  count: number;
}

/**
 * The worker's side of a round trip, from the SDK's own Prometheus histograms: how long the worker took
 * over a workflow task, and how long the server took to answer each kind of completion (persisting it).
 */
export interface SdkLatencies {
  /** Activation received → completion sent: the workflow code and the SDK around it. */
  workflowTaskExecution: Latency;
  /** The activity function and the SDK around it. */
  activityExecution: Latency;
  /** RespondWorkflowTaskCompleted: the server recording the task and scheduling its activities. */
  respondWorkflowTask: Latency;
  /** RespondActivityTaskCompleted: the server recording the result and scheduling a workflow task. */
  respondActivityTask: Latency;
}

const WANTED: Record<keyof SdkLatencies, { metric: string; operation?: string }> = {
  workflowTaskExecution: { metric: 'temporal_workflow_task_execution_latency' },
  activityExecution: { metric: 'temporal_activity_execution_latency' },
  respondWorkflowTask: { metric: 'temporal_request_latency', operation: 'RespondWorkflowTaskCompleted' },
  respondActivityTask: { metric: 'temporal_request_latency', operation: 'RespondActivityTaskCompleted' },
};

/** Reads the SDK's Prometheus endpoint and sums the histograms the bench breaks a round trip into. */
export async function sdkLatencies(address: string): Promise<SdkLatencies> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const out = {} as SdkLatencies;
  for (const [key, { metric, operation }] of Object.entries(WANTED) as Array<
    [keyof SdkLatencies, typeof WANTED.workflowTaskExecution]
  >) {
    const of = (suffix: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${metric}${suffix}{`) || l.startsWith(`${metric}${suffix} `))
        .filter((l) => operation === undefined || l.includes(`operation="${operation}"`))
        .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    out[key] = { ms: of('_sum'), count: of('_count') };
  }
  return out;
}

/** What the histograms gained between two readings. */
export function latencySince(before: SdkLatencies, after: SdkLatencies): SdkLatencies {
  const out = {} as SdkLatencies;
  for (const key of Object.keys(WANTED) as Array<keyof SdkLatencies>)
    out[key] = { ms: after[key].ms - before[key].ms, count: after[key].count - before[key].count };
  return out;
}
