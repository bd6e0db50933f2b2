import { ApplicationFailure } from '@temporalio/common';
import type { WebhookConfig } from '../../lib/config/schema';
import { ErrorType } from '../errors';

/** One alert: a breach opening, or its recovery. */
export interface Alert {
  kind: 'breach' | 'recovery';
  /** Stable across the breach's alert and recovery (PagerDuty dedup key). */
  breachId: string;
  pipeline: string;
  sla: string;
  detail: string;
  openedAt: string;
  closedAt?: string;
}

/** The request body a webhook of this format expects. */
export function alertBody(hook: WebhookConfig, alert: Alert): unknown {
  const headline =
    alert.kind === 'breach'
      ? `SLA breach: ${alert.pipeline} ${alert.sla}: ${alert.detail}`
      : `SLA recovered: ${alert.pipeline} ${alert.sla}: ${alert.detail}`;
  switch (hook.format) {
    case 'slack':
      return { text: `${alert.kind === 'breach' ? ':red_circle:' : ':large_green_circle:'} ${headline}` };
    case 'pagerduty':
      return {
        routing_key: hook.routingKey,
        event_action: alert.kind === 'breach' ? 'trigger' : 'resolve',
        dedup_key: alert.breachId,
        payload: {
          summary: headline,
          severity: 'error',
          source: `edp-pipelines/${alert.pipeline}`,
          component: alert.sla,
          custom_details: alert,
        },
      };
    default:
      return alert;
  }
}

/** The webhook's URL from config or its environment variable; the error names the webhook, never the URL. */
export function webhookUrl(hook: WebhookConfig, env: NodeJS.ProcessEnv = process.env): string {
  const url = hook.url ?? (hook.urlEnv ? env[hook.urlEnv] : undefined);
  if (!url) {
    throw ApplicationFailure.nonRetryable(
      `webhook "${hook.name}": environment variable ${hook.urlEnv} is not set`,
      ErrorType.BadInput,
    );
  }
  return url;
}

/**
 * POSTs the alert to one webhook. A network error or a 5xx/429 answer is retryable; another 4xx is
 * not (the body or the URL is wrong). Messages name the webhook, not its URL (a secret).
 */
export async function sendAlert(
  hook: WebhookConfig,
  alert: Alert,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const url = webhookUrl(hook, env);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(alertBody(hook, alert)),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw ApplicationFailure.retryable(`webhook "${hook.name}" unreachable: ${(err as Error).name}`, 'WebhookDown');
  }
  if (response.ok) return;
  const message = `webhook "${hook.name}" answered ${response.status}`;
  if (response.status >= 500 || response.status === 429) throw ApplicationFailure.retryable(message, 'WebhookDown');
  throw ApplicationFailure.nonRetryable(message, ErrorType.BadInput);
}
