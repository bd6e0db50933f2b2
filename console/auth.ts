import { mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../lib/errors';
import type { EdpConfig } from '../workers/config-schema';
import { bearerToken, secretMatches } from '../workers/http-guard';
import { ensureSecretFile } from '../workers/local-secrets';

/** A person who may sign in, and the token they present. */
export interface ConsoleUser {
  name: string;
  token: string;
}

/** Reads `console.usersFile`: one `name:token` per line, `#` comments; the tokens are secrets (never logged). */
export function readUsersFile(file: string): ConsoleUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`console.usersFile: cannot read ${file} (${(err as Error).message})`);
  }
  const users = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line, i) => {
      const at = line.indexOf(':');
      const name = line.slice(0, at).trim();
      const token = line.slice(at + 1).trim();
      if (at < 1 || token.length < 16)
        throw new ConfigError(
          `console.usersFile: line ${i + 1} of ${file} is not "name:token" with a token of 16 or more characters`,
        );
      return { name, token };
    });
  if (users.length === 0) throw new ConfigError(`console.usersFile: ${file} names nobody; add a "name:token" line`);
  return users;
}

/** The credentials of a basic `Authorization` header, if the request carries one. */
function basicCredentials(req: IncomingMessage): { name: string; token: string } | undefined {
  const match = /^Basic (\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const at = text.indexOf(':');
  return at < 0 ? undefined : { name: text.slice(0, at), token: text.slice(at + 1) };
}

/** The cookie the sign-in link (`/?token=…`) sets, so a browser needs no header. */
export const CONSOLE_COOKIE = 'edp_console_token';

/** The value of the console's sign-in cookie, if the request carries it. */
function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== CONSOLE_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // not a value the sign-in link set
    }
  }
  return undefined;
}

/** The console's own token when no `console.usersFile` is set: generated in the state folder (mode 600). */
export const consoleTokenFile = (config: EdpConfig): string => join(config.stateDir, 'console-token');

/** The one user of a console without a users file: this machine's account, holding the state folder's token. */
export function localConsoleUser(config: EdpConfig): ConsoleUser {
  mkdirSync(config.stateDir, { recursive: true });
  return { name: userInfo().username, token: ensureSecretFile(consoleTokenFile(config)) };
}

/** The link that signs a browser in with a token, e.g. `http://127.0.0.1:8090/?token=…`. */
export const signInLink = (url: string, token: string): string => `${url}/?token=${encodeURIComponent(token)}`;

/** The user a token belongs to; every entry is compared so the time taken does not say which one matched. */
export function userOfToken(token: string | undefined, users: readonly ConsoleUser[]): string | undefined {
  let found: string | undefined;
  for (const u of users) if (secretMatches(token, u.token) && found === undefined) found = u.name;
  return found;
}

/**
 * Who sends the request: the user whose token it carries (bearer, basic auth as `name:token`, or the sign-in
 * cookie), undefined when it carries none that matches.
 */
export function requestUser(req: IncomingMessage, users: readonly ConsoleUser[]): string | undefined {
  const bearer = bearerToken(req);
  if (bearer !== undefined) return userOfToken(bearer, users);
  const basic = basicCredentials(req);
  if (basic !== undefined) {
    const name = userOfToken(basic.token, users);
    return name === basic.name ? name : undefined;
  }
  return userOfToken(cookieToken(req), users);
}
