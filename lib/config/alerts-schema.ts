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

/** The `alerts` section: webhooks receiving JSON, Slack-compatible or PagerDuty (Events v2) bodies. */
export const alertsSchema = z
  .object({
    webhooks: z.array(webhookSchema).default([]),
  })
  .strict()
  .default({});
