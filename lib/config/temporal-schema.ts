import { z } from 'zod';
import { hostPort, port } from './primitives';

/** The `temporal` section: the server, namespace, Web UI, payload encryption and task queues. */
export const temporalSchema = z
  .object({
    address: hostPort.default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    uiUrl: z.string().url().default('http://127.0.0.1:8233'),
    /**
     * Key set that encrypts every payload Temporal stores (AES-256-GCM); the EDP_PAYLOAD_KEYS variable
     * takes precedence. Unset and no variable: payloads are stored as plain JSON.
     */
    payloadKeyFile: z.string().min(1).optional(),
    /** Loopback port of `edp codec-server`, which decodes payloads for the Web UI. */
    codecPort: port.default(8089),
    taskQueues: z
      .object({
        workflows: z.string().min(1).default('edp-workflows'),
        warehouse: z.string().min(1).default('edp-warehouse'),
      })
      .strict()
      .default({}),
  })
  .strict()
  .default({});
