import type { DuplicateFiles, EntityConfig, S3Config } from '../../lib/config/schema';
import type { Warehouse } from '../warehouse';

/** What the ingest activities need from the worker. */
export interface IngestDeps {
  warehouse: Warehouse;
  /** `landing.path`: a folder or an `s3://bucket/prefix` location. */
  landingDir: string;
  /** `s3`: how an `s3://` landing path is reached. */
  s3?: S3Config;
  entities: readonly EntityConfig[];
  /** `landing.duplicateFiles`. @default 'skip' */
  duplicateFiles?: DuplicateFiles;
}
