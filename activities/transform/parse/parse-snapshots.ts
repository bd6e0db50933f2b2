import { basename } from 'node:path';
import { findFiles } from '../project-files';
import type { Properties } from './parse-properties';
import { draftNode, fqnOf, type Draft, type ParseScope } from './parse-scope';

const SNAPSHOT_BLOCK = /\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*endsnapshot\s*-?%\}/g;

/** Snapshots: one per `{% snapshot %}` block in the `.sql` files under the snapshot paths. */
export function parseSnapshots(scope: ParseScope, properties: ReadonlyMap<string, Properties>): Draft[] {
  const drafts: Draft[] = [];
  for (const file of findFiles(scope.dir, scope.project.snapshotPaths, ['.sql'])) {
    for (const m of file.text.matchAll(SNAPSHOT_BLOCK)) {
      // The body keeps its line numbers in the file, so errors in it point at the right line.
      const before = file.text.slice(0, (m.index ?? 0) + m[0].indexOf(m[2])).split('\n').length - 1;
      // dbt's fqn of a snapshot includes its file's name: [project, ...folders, file, snapshot].
      const fqn = [...fqnOf(scope, file, basename(file.path, '.sql')), m[1]];
      drafts.push(
        draftNode(
          scope,
          {
            type: 'snapshot',
            file,
            name: m[1],
            rawSql: '\n'.repeat(before) + m[2],
            checksumOf: m[0],
            fqn,
          },
          properties.get(m[1]),
        ),
      );
    }
  }
  return drafts;
}
