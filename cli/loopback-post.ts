import { Agent, request } from 'node:http';

/** An answer of a loopback endpoint: its status and body text. */
export interface LoopbackAnswer {
  status: number;
  body: string;
}

/**
 * One kept-alive connection per endpoint for the life of the process: a command sending many queries to
 * the worker (the console, a portal) pays the TCP connect once. Idle sockets do not keep the process alive.
 */
const agent = new Agent({ keepAlive: true });

/**
 * POSTs a JSON body to a loopback endpoint over node:http: about a quarter of `fetch`'s cost per request
 * on loopback, which counts when the answer itself takes a millisecond or two.
 */
export function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<LoopbackAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}
