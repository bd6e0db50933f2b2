import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Why a loopback endpoint refuses a request: the HTTP status and a message saying what to do. */
export interface Refusal {
  status: 401 | 403 | 415;
  message: string;
}

/** True when `presented` equals `secret`, compared in constant time (digests first, so lengths never leak). */
export function secretMatches(presented: string | undefined, secret: string): boolean {
  if (presented === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

/** The token of an `Authorization: Bearer <token>` header, if the request carries one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Refuses a `Host` other than the loopback names this server answers as (`127.0.0.1:<port>`, and
 * `localhost:<port>` where allowed): a DNS-rebound page reaches the port under its own host name.
 */
export function foreignHost(req: IncomingMessage, port: number, hosts: readonly string[]): Refusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (hosts.some((h) => host === `${h}:${port}`)) return undefined;
  return { status: 403, message: `Host "${req.headers.host ?? ''}" refused: call http://127.0.0.1:${port}` };
}

/**
 * Refuses a body that is not `application/json`: a web page can POST `text/plain` (or a form)
 * cross-site without a CORS preflight, never JSON.
 */
export function notJson(req: IncomingMessage): Refusal | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return undefined;
  return { status: 415, message: `Content-Type "${type}" refused: send the body as application/json` };
}
