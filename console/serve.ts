import { dirname, resolve } from 'node:path';
import { temporalClient } from '../cli/session';
import { LOOPBACK_HOSTS } from '../lib/config/schema';
import { ConfigError } from '../lib/errors';
import type { LoadedConfig } from '../workers/config';
import { readUsersFile } from './auth';
import { ConsoleContext } from './context';
import { startConsoleServer, type ConsoleServer } from './server';

/** The console for a loaded config: Temporal client, users (from `console.usersFile`) and the HTTP server. */
export async function openConsole(
  loaded: LoadedConfig,
  o: { host?: string; port?: number } = {},
): Promise<ConsoleServer> {
  const { config } = loaded;
  const file = config.console.usersFile;
  const users = file ? readUsersFile(resolve(loaded.file ? dirname(loaded.file) : process.cwd(), file)) : undefined;
  const host = o.host ?? config.console.host;
  if (!users && !LOOPBACK_HOSTS.includes(host))
    throw new ConfigError(`console.usersFile: required to serve on ${host} (not loopback): set a users file first`);
  const { client, close } = await temporalClient(config);
  try {
    const server = await startConsoleServer({
      ctx: new ConsoleContext(config, client),
      host,
      port: o.port ?? config.console.port,
      users,
    });
    return {
      url: server.url,
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
