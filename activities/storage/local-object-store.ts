import { randomUUID } from 'node:crypto';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { ObjectStore, StoredEntry } from './object-store';

/** A folder, or a link to one (a dangling link is not). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Why a file under `root` is refused before any byte of it is read: a symbolic link (whatever it points
 * at: a loader would read the target, which may be any file the worker can open), anything but a regular
 * file, or a path that resolves outside the root through a linked folder.
 */
function refusedPath(root: string, key: string): string | undefined {
  const path = join(root, key);
  const st = lstatSync(path);
  if (st.isSymbolicLink())
    return `a symbolic link (to ${readlinkSync(path)}): links in the landing folder are refused and nothing of their target is read; land the file itself`;
  if (!st.isFile()) return 'not a regular file: only files are loaded from the landing folder';
  const real = realpathSync(path);
  if (!real.startsWith(realpathSync(root) + sep))
    return `resolves outside the landing folder (to ${real}) through a linked folder: refused, nothing of it is read`;
  return undefined;
}

/** An {@link ObjectStore} on a local (or mounted) folder; commits are put-if-absent by hard link. */
export function localObjectStore(root: string): ObjectStore {
  const at = (key: string): string => join(root, key);
  return {
    root,
    locationOf: at,
    check: () => Promise.resolve(),
    list(dir) {
      const folder = at(dir);
      if (!existsSync(folder)) return Promise.resolve([]);
      return Promise.resolve(
        readdirSync(folder).map((name): StoredEntry => {
          const st = lstatSync(join(folder, name));
          return { name, file: st.isFile() || st.isSymbolicLink(), folder: isFolder(join(folder, name)) };
        }),
      );
    },
    size(key) {
      try {
        return Promise.resolve(lstatSync(at(key)).size);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(undefined);
        throw err;
      }
    },
    refusal: (key) => Promise.resolve(refusedPath(root, key)),
    read: (key) => Promise.resolve(readFileSync(at(key))),
    withLocalCopy: (key, use) => use(at(key)),
    async writeFrom(key, write) {
      const path = at(key);
      mkdirSync(dirname(path), { recursive: true });
      try {
        const value = await write(path);
        return { value, size: existsSync(path) ? statSync(path).size : undefined };
      } catch (err) {
        rmSync(path, { force: true });
        throw err;
      }
    },
    putIfAbsent(key, body) {
      const target = at(key);
      mkdirSync(dirname(target), { recursive: true });
      // Written whole under a hidden name, then linked: the name appears complete, and only if absent.
      const staging = join(dirname(target), `.${randomUUID()}.tmp`);
      writeFileSync(staging, body);
      try {
        linkSync(staging, target);
        return Promise.resolve(true);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return Promise.resolve(false);
        throw err;
      } finally {
        rmSync(staging, { force: true });
      }
    },
    remove(key) {
      rmSync(at(key), { force: true });
      return Promise.resolve();
    },
  };
}
