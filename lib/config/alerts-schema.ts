import { z } from 'zod';
import { identifier } from './primitives';

/** One alert destination. The URL (and PagerDuty routing key) are secrets: never logged, redacted in config dumps. */
export const webhookSchema = z
  .object({
    /** Names the webhook in logs and errors (instead of its URL). */
    name: identifier,
    /** The URL itself, or… */
    url: z.string().url().optional(),
    /** …the environment variable holding it (keeps the secret out of the config file). */
    urlEnv: z.string().min(1).optional(),
    /** Body shape: `json` (the alert as is), `slack` (`text`), `pagerduty` (Events API v2). */
    format: z.enum(['json', 'slack', 'pagerduty']).default('json'),
    /** PagerDuty integration key (format pagerduty). */
    routingKey: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if ((w.url === undefined) === (w.urlEnv === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'set exactly one of url and urlEnv' });
    }
    if (w.format === 'pagerduty' && !w.routingKey) {
      ctx.addIssue({ code: 'custom', path: ['routingKey'], message: 'format pagerduty needs a routingKey' });
    }
  });
/** An alert webhook after defaults. */
export type WebhookConfig = z.infer<typeof webhookSchema>;

/** How loud an alert is; PagerDuty's Events v2 severities. */
export const alertSeveritySchema = z.enum(['critical', 'error', 'warning', 'info']);
/** How loud an alert is. */
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

/**
 * Alert kinds the pipeline run raises; other senders (stream monitors, the SLA recorder) add their own
 * kinds, and `alerts.routes` accepts any kind written the same way.
 */
export const RUN_ALERT_KINDS = [
  'run-failed',
  'gate-blocked',
  'test-failed',
  'rule-failed',
  'retries-exhausted',
] as const;

/** An alert kind as routes name it: lowercase words joined by `-`. */
export const alertKind = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'expected a kind such as run-failed');

/** Where one kind of alert goes and how loud it is. */
export const alertRouteSchema = z
  .object({
    /** Names of the webhooks that get this kind; every webhook when omitted, none when empty (muted). */
    webhooks: z.array(identifier).optional(),
    /** @default error */
    severity: alertSeveritySchema.default('error'),
  })
  .strict();
/** A route after defaults. */
export type AlertRoute = z.infer<typeof alertRouteSchema>;

/** The `alerts` section: webhooks receiving JSON, Slack-compatible or PagerDuty (Events v2) bodies, and per-kind routes. */
export const alertsSchema = z
  .object({
    webhooks: z.array(webhookSchema).default([]),
    /** Per alert kind (`run-failed`, `gate-blocked`, …): which webhooks get it and its severity. */
    routes: z.record(alertKind, alertRouteSchema).default({}),
    /** Base URL of `edp console`; alerts link to its grid page of the interval. No console link when unset. */
    consoleUrl: z.string().url().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const names = new Set(a.webhooks.map((w) => w.name));
    for (const [kind, route] of Object.entries(a.routes)) {
      for (const name of route.webhooks ?? []) {
        if (!names.has(name)) {
          ctx.addIssue({ code: 'custom', path: ['routes', kind, 'webhooks'], message: `no webhook named ${name}` });
        }
      }
    }
  })
  .default({});
/** The `alerts` section after defaults. */
export type AlertsConfig = z.infer<typeof alertsSchema>;

/** The route of an alert kind: its configured one, else every webhook at severity `error`. */
export function routeFor(
  alerts: Pick<AlertsConfig, 'webhooks' | 'routes'>,
  kind: string,
): { webhooks: WebhookConfig[]; severity: AlertSeverity } {
  const route = alerts.routes[kind];
  const names = route?.webhooks;
  return {
    webhooks: names === undefined ? [...alerts.webhooks] : alerts.webhooks.filter((w) => names.includes(w.name)),
    severity: route?.severity ?? 'error',
  };
}
