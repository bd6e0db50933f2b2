import { dirname, resolve } from 'node:path';
import { temporalClient } from '../cli/session';
import { LOOPBACK_HOSTS } from '../lib/config/schema';
import { ConfigError } from '../lib/errors';
import type { LoadedConfig } from '../workers/config';
import { localConsoleUser, readUsersFile, signInLink } from './auth';
import { ConsoleContext } from './context';
import { startConsoleServer, type ConsoleServer } from './server';

/**
 * The console for a loaded config: Temporal client, users (from `console.usersFile`, else this account with the
 * state folder's token) and the HTTP server.
 */
export async function openConsole(
  loaded: LoadedConfig,
  o: { host?: string; port?: number } = {},
): Promise<ConsoleServer> {
  const { config } = loaded;
  const file = config.console.usersFile;
  const host = o.host ?? config.console.host;
  if (!file && !LOOPBACK_HOSTS.includes(host))
    throw new ConfigError(`console.usersFile: required to serve on ${host} (not loopback): set a users file first`);
  const local = file ? undefined : localConsoleUser(config);
  const users = file ? readUsersFile(resolve(loaded.file ? dirname(loaded.file) : process.cwd(), file)) : [local!];
  const { client, close } = await temporalClient(config);
  try {
    const server = await startConsoleServer({
      ctx: new ConsoleContext(config, client),
      host,
      port: o.port ?? config.console.port,
      users,
      askForPassword: file !== undefined,
    });
    return {
      url: server.url,
      signInUrl: local ? signInLink(server.url, local.token) : undefined,
      close: async () => {
        await server.close();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
