import type { DuplicateFiles, EntityConfig } from '../../lib/config/schema';
import type { Warehouse } from '../warehouse';

/** What the ingest activities need from the worker. */
export interface IngestDeps {
  warehouse: Warehouse;
  landingDir: string;
  entities: readonly EntityConfig[];
  /** `landing.duplicateFiles`. @default 'skip' */
  duplicateFiles?: DuplicateFiles;
}
