import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { userInfo } from 'node:os';
import { ConfigError } from '../lib/errors';
import { bearerToken, secretMatches } from '../workers/http-guard';

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

/**
 * Who sends the request: the user whose token it carries (bearer, or basic auth as `name:token`), undefined
 * when it carries none that matches. Without users (loopback only) everyone is this machine's user.
 */
export function requestUser(req: IncomingMessage, users: readonly ConsoleUser[] | undefined): string | undefined {
  if (!users) return `${userInfo().username} (loopback)`;
  const bearer = bearerToken(req);
  const basic = basicCredentials(req);
  // Every entry is compared so the time taken does not say which name exists.
  let found: string | undefined;
  for (const u of users) {
    const ok =
      bearer !== undefined
        ? secretMatches(bearer, u.token)
        : basic !== undefined && basic.name === u.name && secretMatches(basic.token, u.token);
    if (ok && found === undefined) found = u.name;
  }
  return found;
}
