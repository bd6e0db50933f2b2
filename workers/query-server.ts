import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Warehouse } from '../activities/warehouse';

/** Written beside a single-writer warehouse file (DuckDB's) while a worker holds it: how `edp query` reaches that worker. */
export interface WorkerLease {
  pid: number;
  port: number;
}

/** Path of the lease file for a single-writer warehouse file. */
export const leaseFile = (warehouseFile: string): string => `${warehouseFile}.worker.json`;

/**
 * Serves `POST /query` on 127.0.0.1 so the CLI can read the warehouse while this worker holds the
 * single-writer warehouse file (DuckDB's). Rows go straight to the caller, never through Temporal.
 */
export async function startQueryServer(warehouse: Warehouse, warehouseFile: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/query') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const { sql } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sql: string };
          const rows = await warehouse.query(sql);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rows }));
        } catch (err) {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: (err as Error).message }));
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const lease: WorkerLease = { pid: process.pid, port: (server.address() as AddressInfo).port };
  writeFileSync(leaseFile(warehouseFile), JSON.stringify(lease));
  server.on('close', () => rmSync(leaseFile(warehouseFile), { force: true }));
  return server;
}
