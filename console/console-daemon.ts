import { join } from 'node:path';
import { portOpen, startDaemon, stopDaemon } from '../infra/process';
import { edpCommand } from '../cli/worker-daemon';
import type { EdpConfig } from '../workers/config-schema';
import { localConsoleUser, signInLink } from './auth';

const consoleFiles = (config: EdpConfig) => {
  const dir = join(config.stateDir, 'services', 'console');
  return { pidFile: join(dir, 'console.pid'), logFile: join(dir, 'console.log') };
};

/** The address people open, e.g. http://127.0.0.1:8090. */
export const consoleUrl = (config: EdpConfig): string =>
  `http://${config.console.host.includes(':') ? `[${config.console.host}]` : config.console.host}:${config.console.port}`;

/**
 * What to open: with a users file, the address (each person signs in with their token); else the link that
 * signs this account's browser in with the state folder's token, once (it sets a cookie).
 */
export const consoleSignInUrl = (config: EdpConfig): string =>
  config.console.usersFile ? consoleUrl(config) : signInLink(consoleUrl(config), localConsoleUser(config).token);

/** Starts `edp console` in the background (`edp up`, `edp start`); ready once its port answers. */
export function startConsoleDaemon(
  config: EdpConfig,
  configFile?: string,
): Promise<{ pid: number; alreadyRunning: boolean }> {
  return startDaemon({
    name: 'console',
    ...edpCommand('console', configFile),
    ...consoleFiles(config),
    ready: () => portOpen(config.console.host === '0.0.0.0' ? '127.0.0.1' : config.console.host, config.console.port),
    readyTimeoutMs: 60_000,
  });
}

/** Stops the background console; false when it was not running. */
export function stopConsoleDaemon(config: EdpConfig): Promise<boolean> {
  return stopDaemon(consoleFiles(config).pidFile);
}
