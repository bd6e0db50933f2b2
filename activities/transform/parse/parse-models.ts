import { basename } from 'node:path';
import { findFiles } from '../project-files';
import type { Properties } from './parse-properties';
import { draftNode, type Draft, type ParseScope } from './parse-scope';

/** Models: one per `.sql` file under the model paths, named after the file. */
export function parseModels(scope: ParseScope, properties: ReadonlyMap<string, Properties>): Draft[] {
  return findFiles(scope.dir, scope.project.modelPaths, ['.sql']).map((file) => {
    const name = basename(file.path, '.sql');
    return draftNode(
      scope,
      { type: 'model', file, name, rawSql: file.text, checksumOf: file.text },
      properties.get(name),
    );
  });
}
