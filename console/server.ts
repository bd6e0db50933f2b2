import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BadInputError, EdpError } from '../lib/errors';
import { LOOPBACK_HOSTS } from '../lib/config/schema';
import { foreignHost, notJson } from '../workers/http-guard';
import { runAction } from './api/actions';
import { CONSOLE_COOKIE, requestUser, userOfToken, type ConsoleUser } from './auth';
import type { ConsoleContext } from './context';
import { PAGE_ROUTES } from './routes';
import { page } from './views/layout';

/** Options of {@link startConsoleServer}. */
export interface ConsoleServerOptions {
  ctx: ConsoleContext;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Who may sign in: the users file's people, or this account with the state folder's token. */
  users?: readonly ConsoleUser[];
  /** Users come from `console.usersFile`: a browser without a cookie is asked for a name and token (basic auth). */
  askForPassword?: boolean;
}

/** A running console. */
export interface ConsoleServer {
  url: string;
  /** The link that signs a browser in with the console's own token (none with a users file: each person has one). */
  signInUrl?: string;
  close(): Promise<void>;
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/static/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/static/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** Security headers on every answer: no framing, no inline script, no referrer leaking run ids. */
const HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new BadInputError('request body over 64 KiB');
    chunks.push(chunk as Buffer);
  }
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

/**
 * `GET <page>?token=…`, the link `edp console` prints: with a user's token, sets the sign-in cookie (HttpOnly,
 * same-site only) and sends the browser to the page without the token in its address.
 */
function signIn(url: URL, users: readonly ConsoleUser[], res: ServerResponse): void {
  const token = url.searchParams.get('token') ?? '';
  if (!userOfToken(token, users))
    return void res.writeHead(401).end('wrong token: open the link `edp console --sign-in-url` prints');
  url.searchParams.delete('token');
  res
    .writeHead(303, {
      'Set-Cookie': `${CONSOLE_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      // One leading slash: `/.//evil.example` normalizes to a path that a browser would read as another host.
      Location: `/${url.pathname.replace(/^\/+/, '')}${url.search}`,
    })
    .end();
}

/** Refuses a request without credentials, saying how to sign in. */
function refuse(req: IncomingMessage, askForPassword: boolean, res: ServerResponse): void {
  // A SameSite=Strict cookie is not sent when another site links here (an alert in a chat); reloading from this
  // origin sends it, so a signed-in browser follows such a link once without a prompt.
  if (req.method === 'GET' && req.headers['sec-fetch-site'] === 'cross-site' && !req.url?.startsWith('/api/'))
    return void res
      .writeHead(401, { 'Content-Type': 'text/html; charset=utf-8' })
      .end('<!doctype html><meta http-equiv="refresh" content="0"><title>EDP console</title>signing in…');
  res.writeHead(401, {
    'WWW-Authenticate': askForPassword ? 'Basic realm="EDP console", charset="UTF-8"' : 'Bearer realm="EDP console"',
  });
  res.end(
    askForPassword
      ? 'sign in: Authorization: Bearer <token>, or basic auth with your name and token (console.usersFile)'
      : 'sign in: open the link `edp console --sign-in-url` prints, or send Authorization: Bearer <the token in <stateDir>/console-token>',
  );
}

/**
 * Serves the console: pages (HTML), their data (`/api/…`, JSON) and actions (`POST /api/actions/<name>`, JSON).
 * Every request must carry a user's token (header or sign-in cookie), on loopback too: another account on the
 * machine must not start runs. On loopback the Host must be the loopback name (a DNS-rebound page is refused).
 * Actions take JSON from this origin only, so another site cannot post one.
 */
export async function startConsoleServer(o: ConsoleServerOptions): Promise<ConsoleServer> {
  const loopback = LOOPBACK_HOSTS.includes(o.host);
  if (!loopback && !o.users?.length)
    throw new BadInputError(`console.usersFile is required to serve on ${o.host} (not loopback)`);
  const users = o.users ?? [];
  if (users.length === 0) throw new BadInputError('the console needs users: console.usersFile or its own token');
  const { ctx } = o;
  let port = o.port;
  const pagesDir = join(__dirname, 'pages');

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [k, v] of Object.entries(HEADERS)) res.setHeader(k, v);
    if (loopback) {
      const host = foreignHost(req, port, ['127.0.0.1', 'localhost', '[::1]']);
      if (host) return void res.writeHead(host.status).end(host.message);
    }
    const url = new URL(req.url ?? '/', 'http://console');
    if (req.method === 'GET' && url.searchParams.has('token')) return signIn(url, users, res);
    const user = requestUser(req, users);
    if (!user) return refuse(req, o.askForPassword === true, res);
    const file = STATIC[url.pathname];
    if (req.method === 'GET' && file) {
      return void res.writeHead(200, { 'Content-Type': file.type }).end(readFileSync(join(pagesDir, file.file)));
    }
    if (req.method === 'POST' && url.pathname.startsWith('/api/actions/')) {
      const origin = req.headers.origin;
      if (origin && origin !== `http://${req.headers.host}`)
        return void res.writeHead(403).end(`origin ${origin} refused`);
      const json = notJson(req);
      if (json) return void res.writeHead(json.status).end(json.message);
      const out = await runAction(ctx, url.pathname.slice('/api/actions/'.length), user, await body(req));
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(out));
    }
    const api = url.pathname.startsWith('/api/');
    const path = api ? url.pathname.slice(4) || '/' : url.pathname;
    const route = req.method === 'GET' ? PAGE_ROUTES[path === '/grid' ? '/' : path] : undefined;
    if (!route) return void res.writeHead(404).end('not found');
    const data = await route.data(ctx, url.searchParams);
    if (api) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(data));
    const view = route.view(data, ctx);
    const fragment = url.searchParams.has('fragment') || path === '/cell';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    if (fragment) return void res.end(view.text);
    const refresh = new URLSearchParams(url.searchParams);
    refresh.set('fragment', '1');
    res.end(
      page({
        title: route.title,
        path,
        pipeline: ctx.config.pipeline.name,
        user,
        body: view,
        refreshUrl: route.live ? `${path}?${refresh.toString()}` : undefined,
        refreshSeconds: ctx.config.console.refreshSeconds,
      }),
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const bad = err instanceof EdpError && !err.retryable;
      // The console's log (its stderr) gets what went wrong; messages and stacks carry no row data.
      if (!bad) console.error(`${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent)
        res.writeHead(bad || err instanceof SyntaxError ? 400 : 500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: (err as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
