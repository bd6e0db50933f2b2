/** One name in a listed folder of an object store. */
export interface StoredEntry {
  /** The name within the folder (no `/`). */
  name: string;
  /** Something a load may read or must refuse by name: a file, or (local only) a symbolic link. */
  file: boolean;
  /** A folder (an S3 common prefix), or a link to one. */
  folder: boolean;
}

/**
 * Where the platform keeps files it shares between workers: the landing zone and the Delta export, on a
 * local folder or on S3-compatible object storage. Keys are `/`-separated paths relative to the root.
 */
export interface ObjectStore {
  /** The root as configured (`/data/landing`, `s3://bucket/prefix`), for messages and results. */
  readonly root: string;
  /** The full location of `key`, for messages, results and lineage. */
  locationOf(key: string): string;
  /**
   * Checks once that the root can be reached as configured; a missing bucket, refused credentials or a
   * region mismatch is a ConfigError naming the key to fix. Every other method calls it first.
   */
  check(): Promise<void>;
  /** The names directly in folder `dir` (`''` for the root), in no particular order; none when it does not exist. */
  list(dir: string): Promise<StoredEntry[]>;
  /** The size in bytes of `key`, undefined when it does not exist (locally: a dangling link exists). */
  size(key: string): Promise<number | undefined>;
  /** Why `key` must be refused unread (locally: a link, not a regular file, outside the root), else undefined. */
  refusal(key: string): Promise<string | undefined>;
  /** The bytes of a small object (a Delta commit). */
  read(key: string): Promise<Buffer>;
  /**
   * Runs `use` on a local file holding the bytes of `key`: the file itself when local, a scratch copy
   * (downloaded once, deleted afterwards) for object storage, so readers that need a path work on both.
   */
  withLocalCopy<T>(key: string, use: (path: string) => Promise<T>): Promise<T>;
  /**
   * Lets `write` fill a local file and stores it under `key`; returns what `write` returned and the stored
   * size, undefined when `write` made no file. Nothing is left under `key` when `write` fails.
   */
  writeFrom<T>(key: string, write: (path: string) => Promise<T>): Promise<{ value: T; size: number | undefined }>;
  /** Stores `body` under `key` only if nothing is there yet (atomic); false when `key` already existed. */
  putIfAbsent(key: string, body: string): Promise<boolean>;
  /** Deletes `key`; a no-op when it does not exist. */
  remove(key: string): Promise<void>;
}
