import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Loopback port; 0 picks a free one. */
  port: number;
  /** The only origin allowed to call from a browser (the Temporal Web UI), e.g. http://127.0.0.1:8233. */
  uiOrigin: string;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
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
 * Serves Temporal's remote codec protocol on 127.0.0.1: `POST /decode` and `POST /encode` with
 * `{"payloads": [...]}`. The Web UI (`--ui-codec-endpoint`) calls `/decode` from the browser, so CORS
 * admits exactly the UI's origin; with a token, only requests that carry it are answered.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin === options.uiOrigin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    } else if (origin) {
      res.writeHead(403).end(`origin ${origin} is not allowed`);
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const op = req.url?.split('?')[0];
    if (req.method !== 'POST' || (op !== '/decode' && op !== '/encode')) {
      res.writeHead(404).end('POST /decode or /encode');
      return;
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401).end('missing or wrong bearer token');
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
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
