import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, startDaemon, stopDaemon } from '../infra/process';
import { edpCommand } from './worker-daemon';
import type { EdpConfig } from '../workers/config-schema';
import { startCodecServer } from '../workers/codec-server';
import { ensureSecretFile } from '../workers/local-secrets';
import { AesGcmPayloadCodec, codecKeysFor, KEYS_ENV, newKeySet } from '../workers/payload-codec';
import { CliError, UsageError } from './session';

/** `edp codec-keys new --out FILE [--key-id ID]`: writes a fresh key set (mode 600), never over an existing file. */
export function codecKeysNew(out: string | undefined, keyId: string | undefined, log: (m: string) => void): number {
  if (!out) throw new UsageError('codec-keys new needs --out FILE (the key set is a secret: it is never printed)');
  if (existsSync(out)) throw new CliError(`${out} exists; rotate by adding a key to it and changing "current"`);
  const id = keyId ?? new Date().toISOString().slice(0, 10);
  writeFileSync(out, newKeySet(id), { mode: 0o600 });
  log(`wrote key set ${out} (current key "${id}"); point temporal.payloadKeyFile at it or export ${KEYS_ENV}`);
  return 0;
}

const codecFiles = (config: EdpConfig) => {
  const dir = join(config.stateDir, 'services', 'codec');
  return { pidFile: join(dir, 'codec.pid'), logFile: join(dir, 'codec.log') };
};

/** Starts `edp codec-server` in the background when payloads are encrypted (`edp up`); undefined otherwise. */
export async function startCodecDaemon(
  config: EdpConfig,
  configFile?: string,
): Promise<{ pid: number; alreadyRunning: boolean } | undefined> {
  if (!codecKeysFor(config)) return undefined;
  return startDaemon({
    name: 'codec server',
    ...edpCommand('codec-server', configFile),
    ...codecFiles(config),
    ready: () => portOpen('127.0.0.1', config.temporal.codecPort),
    readyTimeoutMs: 30_000,
  });
}

/** Stops the background codec server; false when it was not running. */
export function stopCodecDaemon(config: EdpConfig): Promise<boolean> {
  return stopDaemon(codecFiles(config).pidFile);
}

/** The codec server's token file: generated in the state folder on first start unless `--token-file` names one. */
export const codecTokenFile = (config: EdpConfig): string => join(config.stateDir, 'codec-token');

/** The token the codec server requires: from `tokenFile`, else from the state folder (created on first use). */
function codecToken(config: EdpConfig, tokenFile: string | undefined): { token: string; file: string } {
  if (tokenFile) {
    const token = readFileSync(tokenFile, 'utf8').trim();
    if (!token) throw new CliError(`--token-file ${tokenFile} is empty; put a long random token in it`);
    return { token, file: tokenFile };
  }
  mkdirSync(config.stateDir, { recursive: true });
  const file = codecTokenFile(config);
  return { token: ensureSecretFile(file), file };
}

/** `edp codec-server`: decodes payloads for the Web UI until Ctrl-C; `--sign-in-url` prints the browser's sign-in link. */
export async function codecServer(
  config: EdpConfig,
  opts: { port?: number; uiOrigin?: string; tokenFile?: string; signInUrl?: boolean },
  log: (m: string) => void,
): Promise<number> {
  const { token, file } = codecToken(config, opts.tokenFile);
  const port = opts.port ?? config.temporal.codecPort;
  if (opts.signInUrl) {
    console.log(`http://127.0.0.1:${port}/login?token=${encodeURIComponent(token)}`);
    return 0;
  }
  const keys = codecKeysFor(config);
  if (!keys) throw new CliError('temporal.payloadEncryption is false: payloads are plain, there is nothing to decode');
  const uiOrigin = opts.uiOrigin ?? new URL(config.temporal.uiUrl).origin;
  const server = await startCodecServer({ codec: new AesGcmPayloadCodec(keys), port, uiOrigin, token });
  log(`codec server on ${server.url} for ${uiOrigin}; token in ${file} (Authorization: Bearer <token>)`);
  log(
    `Web UI: open the link \`edp codec-server --sign-in-url\` prints, then tick "Include cross-origin credentials" in the UI's Codec Server settings (endpoint ${server.url})`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
