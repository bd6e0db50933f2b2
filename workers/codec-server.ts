import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { bearerToken, foreignHost, notJson, secretMatches } from './http-guard';

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Loopback port; 0 picks a free one. */
  port: number;
  /** The only origin allowed to call from a browser (the Temporal Web UI), e.g. http://127.0.0.1:8233. */
  uiOrigin: string;
  /** Required on `/decode` and `/encode`: `Authorization: Bearer <token>`, or the browser's sign-in cookie. */
  token: string;
}

/** The cookie `/login` sets in the browser, which the Web UI sends when it includes cross-origin credentials. */
export const CODEC_COOKIE = 'edp_codec_token';

/** The value of the sign-in cookie, if the request carries it. */
function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CODEC_COOKIE) return value.join('=');
  }
  return undefined;
}

/** A running codec server. */
export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

/** A payload as the Web UI and `temporal` CLI send it: metadata values and data in base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `GET /login?token=…`: with the right token, sets the sign-in cookie (HttpOnly, same-site only) and
 * returns the browser to the Web UI.
 */
function login(token: string | undefined, options: CodecServerOptions, res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (!secretMatches(token, options.token)) {
    res.writeHead(401).end('wrong or missing token: open the link `edp codec-server --sign-in-url` prints');
    return;
  }
  res
    .writeHead(303, {
      'Set-Cookie': `${CODEC_COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`,
      Location: options.uiOrigin,
    })
    .end();
}

/**
 * Serves Temporal's remote codec protocol on 127.0.0.1: `POST /decode` and `POST /encode` with
 * `{"payloads": [...]}`, for callers holding the token. The Web UI (`--ui-codec-endpoint`) calls `/decode`
 * from the browser, so CORS admits exactly the UI's origin, and the token comes as the cookie
 * `GET /login?token=…` sets (the dev server's UI cannot send a fixed header); the `temporal` CLI sends it
 * as `Authorization: Bearer` (`--codec-auth`). Other origins and host names are refused.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  let port = options.port;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = foreignHost(req, port, ['127.0.0.1', 'localhost']);
    if (host) {
      res.writeHead(host.status).end(host.message);
      return;
    }
    const origin = req.headers.origin;
    if (origin === options.uiOrigin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    } else if (origin) {
      res
        .writeHead(403)
        .end(`origin ${origin} is not allowed; the codec server answers the Web UI at ${options.uiOrigin}`);
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/login') {
      login(url.searchParams.get('token') ?? undefined, options, res);
      return;
    }
    const op = url.pathname;
    if (req.method !== 'POST' || (op !== '/decode' && op !== '/encode')) {
      res.writeHead(404).end('POST /decode or /encode');
      return;
    }
    if (!secretMatches(bearerToken(req) ?? cookieToken(req), options.token)) {
      res
        .writeHead(401)
        .end(
          'missing or wrong codec token: send Authorization: Bearer <token>, or sign the browser in (edp codec-server --sign-in-url)',
        );
      return;
    }
    const json = notJson(req);
    if (json) {
      res.writeHead(json.status).end(json.message);
      return;
    }
    let payloads: JsonPayload[];
    try {
      const parsed = JSON.parse(await body(req)) as { payloads?: unknown };
      if (!Array.isArray(parsed.payloads)) throw new Error('no "payloads" array');
      payloads = parsed.payloads as JsonPayload[];
    } catch (err) {
      res.writeHead(400).end(`bad request: ${(err as Error).message}`);
      return;
    }
    const input = payloads.map(toPayload);
    const out = op === '/decode' ? await options.codec.decode(input) : await options.codec.encode(input);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(`codec error: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
