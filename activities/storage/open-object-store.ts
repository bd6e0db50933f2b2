import { isS3Location, type S3Config } from '../../lib/config/schema';
import { localObjectStore } from './local-object-store';
import type { ObjectStore } from './object-store';
import { s3ObjectStore } from './s3-object-store';

/**
 * The store behind a configured path: `s3://…` on object storage (reached as the `s3` section says),
 * anything else a local folder. `locationKey` is the key holding the path, named by errors about it.
 */
export function openObjectStore(location: string, locationKey: string, s3: S3Config = {}): ObjectStore {
  return isS3Location(location) ? s3ObjectStore({ location, locationKey, s3 }) : localObjectStore(location);
}
