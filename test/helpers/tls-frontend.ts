import { Metadata, Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { readFileSync } from 'node:fs';

const { GetSystemInfoRequest, GetSystemInfoResponse } = temporal.api.workflowservice.v1;

/** What the stand-in frontend saw: each GetSystemInfo call and its authorization header. */
export interface TlsFrontend {
  address: string;
  calls: Array<{ authorization?: string }>;
  close(): Promise<void>;
}

/**
 * A gRPC server over TLS answering `WorkflowService/GetSystemInfo` (what both Temporal connections call
 * first), with the given certificate files: it refuses a client without a certificate its CA signed
 * (`clientCa`) and, when `apiKey` is set, a call without `Authorization: Bearer <apiKey>`.
 * Not a Temporal server: it shows what the TLS handshake and the credentials do, nothing else.
 */
export async function startTlsFrontend(opts: {
  cert: string;
  key: string;
  clientCa?: string;
  apiKey?: string;
}): Promise<TlsFrontend> {
  const server = new Server();
  const calls: TlsFrontend['calls'] = [];
  server.addService(
    {
      getSystemInfo: {
        path: '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
        requestStream: false,
        responseStream: false,
        requestSerialize: (m: object) => Buffer.from(GetSystemInfoRequest.encode(m).finish()),
        requestDeserialize: (b: Buffer) => GetSystemInfoRequest.decode(b),
        responseSerialize: (m: object) => Buffer.from(GetSystemInfoResponse.encode(m).finish()),
        responseDeserialize: (b: Buffer) => GetSystemInfoResponse.decode(b),
      },
    },
    {
      getSystemInfo: (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const authorization = call.metadata.get('authorization')[0]?.toString();
        calls.push({ authorization });
        if (opts.apiKey !== undefined && authorization !== `Bearer ${opts.apiKey}`) {
          callback({ code: status.UNAUTHENTICATED, details: 'invalid API key', metadata: new Metadata() });
          return;
        }
        callback(null, { serverVersion: 'tls-frontend', capabilities: {} });
      },
    },
  );
  const credentials = ServerCredentials.createSsl(
    opts.clientCa ? readFileSync(opts.clientCa) : null,
    [{ cert_chain: readFileSync(opts.cert), private_key: readFileSync(opts.key) }],
    opts.clientCa !== undefined,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
