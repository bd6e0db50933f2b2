import type { Manifest, ManifestNode, ManifestSource } from '../manifest-types';
import { findFiles } from '../project-files';
import { checkAdapterCalls, checkNodeConfigs, refusePythonModels } from './parse-checks';
import { checkAcyclic, checkEnabledDependencies } from './parse-graph';
import { readRunHooks, setNodeHooks } from './parse-hooks';
import { parseModels } from './parse-models';
import { readProperties } from './parse-properties';
import { collectCalls, resolveRefs } from './parse-refs';
import { setRelations } from './parse-relations';
import { openParseScope, sha, type ParseOptions } from './parse-scope';
import { parseSeeds } from './parse-seeds';
import { parseSnapshots } from './parse-snapshots';
import { parseGenericTests, parseSingularTests } from './parse-tests';
import { parseUnitTests } from './parse-unit-tests';

/** Parses a dbt project directory into a manifest: nodes, configs, dependencies; fails on unknown refs and cycles. */
export function parseProject(dir: string, options: ParseOptions): Manifest {
  const scope = openParseScope(dir, options);
  const { project } = scope;
  refusePythonModels(scope);
  const runHooks = readRunHooks(scope);
  const yamlFiles = findFiles(
    dir,
    [...project.modelPaths, ...project.seedPaths, ...project.snapshotPaths],
    ['.yml', '.yaml'],
  );
  const {
    byName: properties,
    sources: declared,
    unitTests: unitTestEntries,
    notRun,
  } = readProperties(project, yamlFiles);
  const sources: Record<string, ManifestSource> = Object.fromEntries(declared.map((s) => [s.source.id, s.source]));

  const drafts = [
    ...parseModels(scope, properties),
    ...parseSeeds(scope, properties),
    ...parseSnapshots(scope, properties),
    ...parseSingularTests(scope),
  ];
  checkAdapterCalls(scope, drafts);
  collectCalls(scope, drafts, sources);
  const { nodes, byName } = resolveRefs(drafts);
  const all = [...nodes, ...parseGenericTests(scope, { nodes, byName, declared, sources })];
  const unitTests = parseUnitTests(scope, unitTestEntries, byName, sources);
  checkEnabledDependencies(all);
  checkNodeConfigs(all, options.target.type);
  setNodeHooks(all);
  setRelations(scope, all);
  checkAcyclic(all);

  const manifestNodes: Record<string, ManifestNode> = {};
  for (const n of all) {
    const node: Partial<typeof n> = { ...n };
    delete node.refs;
    delete node.props;
    manifestNodes[n.id] = node as ManifestNode;
  }
  const checksum = sha(
    JSON.stringify([
      Object.values(manifestNodes).map((n) => [n.id, n.path, n.fqn, n.checksum, n.config, n.relation, n.dependsOn]),
      scope.library.source,
      scope.vars,
      options.target,
      Object.values(sources),
      ...(runHooks ? [runHooks] : []),
      ...(Object.keys(unitTests).length ? [unitTests] : []),
    ]),
  );
  return {
    projectName: project.name,
    projectDir: dir,
    targetPath: project.targetPath,
    checksum,
    vars: scope.vars,
    target: options.target,
    nodes: manifestNodes,
    sources,
    ...(notRun.length ? { notRun } : {}),
    ...(Object.keys(unitTests).length ? { unitTests } : {}),
    ...(runHooks ? { runHooks } : {}),
    macros: scope.library,
    generatedAt: scope.now,
  };
}
