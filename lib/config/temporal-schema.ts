import { z } from 'zod';
import { defaultStreamingQueue } from '../ids';
import { hostPort, port } from './primitives';
import { envVarName, oneSourceOf, tlsSchema } from './tls-schema';

/** The `temporal` section: the server, namespace, Web UI, payload encryption and task queues. */
export const temporalSchema = z
  .object({
    address: hostPort.default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    /** TLS to the frontend: a self-hosted cluster's CA, the client certificate for mTLS (Temporal Cloud or self-hosted). */
    tls: tlsSchema.optional(),
    /** Variable holding a Temporal Cloud API key (sent as `Authorization: Bearer`; turns TLS on). */
    apiKeyEnv: envVarName.optional(),
    /** File holding the API key, instead of a variable. */
    apiKeyFile: z.string().min(1).optional(),
    uiUrl: z.string().url().default('http://127.0.0.1:8233'),
    /**
     * Encrypt every payload Temporal stores (AES-256-GCM), failure messages and stack traces included.
     * `false` stores them as plain JSON: an explicit opt-out, for data without PHI.
     */
    payloadEncryption: z.boolean().default(true),
    /**
     * Key set that encrypts the payloads; the EDP_PAYLOAD_KEYS variable takes precedence. Unset: the key
     * set in the state folder (`payload-keys.json`), created on first use.
     */
    payloadKeyFile: z.string().min(1).optional(),
    /** Loopback port of `edp codec-server`, which decodes payloads for the Web UI. */
    codecPort: port.default(8089),
    taskQueues: z
      .object({
        workflows: z.string().min(1).default('edp-workflows'),
        warehouse: z.string().min(1).default('edp-warehouse'),
        /** Long-running stream consumers, apart so they cannot take every batch activity slot. */
        streaming: z.string().min(1).optional(),
      })
      .strict()
      .default({})
      .transform((q) => ({ ...q, streaming: q.streaming ?? defaultStreamingQueue(q.warehouse) })),
  })
  .strict()
  .superRefine((t, ctx) => oneSourceOf(t, 'apiKey', ctx))
  .refine((t) => t.payloadEncryption || t.payloadKeyFile === undefined, {
    path: ['payloadKeyFile'],
    message: 'set while temporal.payloadEncryption is false: remove one of them',
  })
  .default({});
