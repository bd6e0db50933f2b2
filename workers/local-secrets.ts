import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** A fresh random secret (256 bits, base64url) for a loopback endpoint. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** Writes `text` to a file only its owner can read (mode 600), replacing any file there. */
export function writePrivateFile(file: string, text: string): void {
  // A file left by an earlier process may carry wider permissions, and `mode` applies only on creation.
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
}

/**
 * The secret kept in `file`, created (mode 600) with a new secret on first use. An existing file is
 * narrowed to mode 600, so a copy restored with wider permissions is not left readable by others.
 */
export function ensureSecretFile(file: string): string {
  if (!existsSync(file)) writePrivateFile(file, `${newSecret()}\n`);
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (!secret) throw new Error(`${file} is empty; delete it and restart to generate a new secret`);
  return secret;
}
