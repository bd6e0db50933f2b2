import { basename } from 'node:path';
import { findFiles } from '../project-files';
import type { Properties } from './parse-properties';
import { draftNode, type Draft, type ParseScope } from './parse-scope';

/** Seeds: one per `.csv` file under the seed paths, named after the file; the checksum covers the data. */
export function parseSeeds(scope: ParseScope, properties: ReadonlyMap<string, Properties>): Draft[] {
  return findFiles(scope.dir, scope.project.seedPaths, ['.csv']).map((file) => {
    const name = basename(file.path, '.csv');
    return draftNode(scope, { type: 'seed', file, name, rawSql: '', checksumOf: file.text }, properties.get(name));
  });
}
