/** Where an alert points people: the console's grid of the interval, and the Temporal Web UI's run. */
export interface AlertLinkBases {
  /** `alerts.consoleUrl`; no console link when unset. */
  consoleUrl?: string;
  /** `temporal.uiUrl` and `temporal.namespace`. */
  temporalUiUrl: string;
  namespace: string;
}

const trimmed = (url: string): string => url.replace(/\/+$/, '');

/** The console's grid page of a pipeline's interval, e.g. `http://127.0.0.1:8080/grid?pipeline=platform&interval=…`. */
export function consoleGridUrl(consoleUrl: string, pipeline: string, intervalStart: string): string {
  const query = new URLSearchParams({ pipeline, interval: intervalStart });
  return `${trimmed(consoleUrl)}/grid?${query.toString()}`;
}

/** The Temporal Web UI's page of one workflow run. */
export function temporalRunUrl(bases: AlertLinkBases, workflowId: string, runId: string): string {
  const ns = encodeURIComponent(bases.namespace);
  return `${trimmed(bases.temporalUiUrl)}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** The links of an alert about a pipeline's interval, found (or cleared) by one run. */
export function alertLinks(
  bases: AlertLinkBases,
  at: { pipeline: string; intervalStart: string; workflowId: string; runId: string },
): { console?: string; temporal: string } {
  return {
    ...(bases.consoleUrl ? { console: consoleGridUrl(bases.consoleUrl, at.pipeline, at.intervalStart) } : {}),
    temporal: temporalRunUrl(bases, at.workflowId, at.runId),
  };
}
