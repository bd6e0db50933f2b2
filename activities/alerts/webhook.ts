import { ApplicationFailure } from '@temporalio/common';
import type { AlertSeverity, WebhookConfig } from '../../lib/config/schema';
import { ErrorType } from '../errors';

/** One SLA alert: a breach opening, or its recovery. */
export interface Alert {
  kind: 'breach' | 'recovery';
  /** Stable across the breach's alert and recovery (PagerDuty dedup key). */
  breachId: string;
  pipeline: string;
  sla: string;
  detail: string;
  openedAt: string;
  closedAt?: string;
  /** The kind its route is chosen by (`stream-stalled`, `target-lag`, `sla-breach`), and the route's severity (default error). */
  alertKind?: string;
  severity?: AlertSeverity;
}

/** What every webhook format is built from: an alert opening (`trigger`) or its recovery. */
export interface Notification {
  trigger: boolean;
  /** Stable across an alert and its recovery (PagerDuty's dedup key). */
  dedupKey: string;
  severity: AlertSeverity;
  /** One line for people (Slack text, PagerDuty summary). */
  headline: string;
  pipeline: string;
  /** What the alert is about (PagerDuty's component). */
  component: string;
  /** The JSON format's body, and PagerDuty's custom details. */
  body: object;
  /** Where to look: the console page, the Temporal run. */
  links?: Array<{ href: string; text: string }>;
}

/** The request body a webhook of this format expects for a notification. */
export function notificationBody(hook: WebhookConfig, n: Notification): unknown {
  switch (hook.format) {
    case 'slack': {
      const links = (n.links ?? []).map((l) => `<${l.href}|${l.text}>`).join(' · ');
      return {
        text: `${n.trigger ? ':red_circle:' : ':large_green_circle:'} ${n.headline}${links ? `\n${links}` : ''}`,
      };
    }
    case 'pagerduty':
      return {
        routing_key: hook.routingKey,
        event_action: n.trigger ? 'trigger' : 'resolve',
        dedup_key: n.dedupKey,
        payload: {
          summary: n.headline,
          severity: n.severity,
          source: `edp-pipelines/${n.pipeline}`,
          component: n.component,
          custom_details: n.body,
        },
        ...(n.links?.length ? { links: n.links } : {}),
      };
    default:
      return n.body;
  }
}

/** The request body a webhook of this format expects for an SLA alert. */
export function alertBody(hook: WebhookConfig, alert: Alert): unknown {
  const breach = alert.kind === 'breach';
  return notificationBody(hook, {
    trigger: breach,
    dedupKey: alert.breachId,
    severity: alert.severity ?? 'error',
    headline: `${breach ? 'SLA breach' : 'SLA recovered'}: ${alert.pipeline} ${alert.sla}: ${alert.detail}`,
    pipeline: alert.pipeline,
    component: alert.sla,
    body: alert,
  });
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
 * POSTs a body to one webhook. A network error or a 5xx/429 answer is retryable; another 4xx is not (the
 * body or the URL is wrong). Messages name the webhook, not its URL (a secret).
 */
export async function postToWebhook(
  hook: WebhookConfig,
  body: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const url = webhookUrl(hook, env);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
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

/** POSTs an SLA alert to one webhook (see {@link postToWebhook} for how failures are classified). */
export function sendAlert(hook: WebhookConfig, alert: Alert, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return postToWebhook(hook, alertBody(hook, alert), env);
}
