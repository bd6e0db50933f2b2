import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SingleWriter, Warehouse } from '../activities/warehouse';
import { bearerToken, foreignHost, notJson, secretMatches, type Refusal } from './http-guard';
import { newSecret, writePrivateFile } from './local-secrets';

/**
 * Written beside a single-writer warehouse file (DuckDB's) while a worker holds it, readable only by
 * its owner: how `edp query` reaches that worker, and the secret it must present.
 */
export interface WorkerLease {
  pid: number;
  port: number;
  /** Sent as `Authorization: Bearer <secret>`; new for every worker start. */
  secret: string;
}

/** What `edp query` sends: the SQL, and whether it may change the warehouse (`--write`). */
export interface QueryRequest {
  sql: string;
  write?: boolean;
}

/** Path of the lease file for a single-writer warehouse file. */
export const leaseFile = (warehouseFile: string): string => `${warehouseFile}.worker.json`;

/** The first reason to refuse a request before reading its body, if any. */
function refusal(req: IncomingMessage, port: number, secret: string): Refusal | undefined {
  // A browser names the page's origin; `edp query` never sends one.
  if (req.headers.origin !== undefined) {
    return {
      status: 403,
      message: `Origin ${req.headers.origin} refused: the query endpoint serves \`edp query\` only`,
    };
  }
  const host = foreignHost(req, port, ['127.0.0.1']);
  if (host) return host;
  if (!secretMatches(bearerToken(req), secret)) {
    return {
      status: 401,
      message: 'missing or wrong lease secret: use `edp query`, which reads it from the worker lease file',
    };
  }
  return notJson(req);
}

const reply = (res: ServerResponse, status: number, body: object): void => {
  const json = JSON.stringify(body);
  // With its length the answer goes out in one write, not as a chunked stream.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
};

/**
 * Serves `POST /query` on 127.0.0.1 so the CLI can read the warehouse while this worker holds the
 * single-writer warehouse file (DuckDB's). Rows go straight to the caller, never through Temporal.
 * Only a caller holding the lease secret is answered, never a browser; queries run read-only unless
 * the request says `write`.
 */
export async function startQueryServer(warehouse: Warehouse, held: SingleWriter): Promise<Server> {
  const { file: warehouseFile, queryPort: port, queryReadOnly } = held;
  const secret = newSecret();
  let listening = port;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/query') {
      res.writeHead(404).end();
      return;
    }
    const refused = refusal(req, listening, secret);
    if (refused) {
      req.resume();
      reply(res, refused.status, { error: refused.message });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const { sql, write } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as QueryRequest;
          const rows = write === true ? await warehouse.query(sql) : await queryReadOnly(warehouse, sql);
          reply(res, 200, { rows });
        } catch (err) {
          reply(res, 400, { error: (err as Error).message });
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  listening = (server.address() as AddressInfo).port;
  const lease: WorkerLease = { pid: process.pid, port: listening, secret };
  writePrivateFile(leaseFile(warehouseFile), JSON.stringify(lease));
  server.on('close', () => rmSync(leaseFile(warehouseFile), { force: true }));
  return server;
}
