import { join } from 'node:path';

// Apart from payload-codec.ts so that loading the config does not load Temporal's protobuf definitions.

/** Environment variable holding the key set as JSON (takes precedence over `temporal.payloadKeyFile`). */
export const KEYS_ENV = 'EDP_PAYLOAD_KEYS';

/** The key set every process of a project uses when `temporal.payloadKeyFile` is unset: in its state folder. */
export function defaultKeyFile(stateDir: string): string {
  return join(stateDir, 'payload-keys.json');
}
