import { basename } from 'node:path';
import { CompileError } from '../jinja';
import type { GenericTest, ManifestSource } from '../manifest-types';
import { configFromTree, findFiles, mergeConfig, type FoundFile } from '../project-files';
import { parseTestEntry } from '../test-entries';
import { genericTestIdentity } from '../test-names';
import { genericTestMacro, packagesDefiningTest } from '../packages/macro-library';
import { coerceBooleanConfigs } from './parse-boolean-configs';
import { draftNode, type Draft, type ParseScope } from './parse-scope';
import { sourceIdOf, type DeclaredSource } from './parse-sources';
import type { TestEntries } from './parse-yaml';

const BUILTIN_TESTS = ['unique', 'not_null', 'accepted_values', 'relationships'];

/** Singular tests: one per `.sql` file under the test paths that is not a generic test definition. */
export function parseSingularTests(scope: ParseScope): Draft[] {
  return findFiles(scope.dir, scope.project.testPaths, ['.sql'])
    .filter((f) => !scope.macroFiles.some((m) => m.path === f.path))
    .map((file) => {
      const name = basename(file.path, '.sql');
      return draftNode(scope, { type: 'test', file, name, rawSql: file.text, checksumOf: file.text });
    });
}

/** The parsed project a generic test is attached to. */
export interface TestTargets {
  /** Enabled nodes. */
  nodes: readonly Draft[];
  /** Enabled models, seeds and snapshots by name. */
  byName: ReadonlyMap<string, Draft>;
  declared: readonly DeclaredSource[];
  sources: Readonly<Record<string, ManifestSource>>;
}

/** Generic tests written in properties files on nodes and sources; disabled ones are left out. */
export function parseGenericTests(scope: ParseScope, targets: TestTargets): Draft[] {
  const { project, library } = scope;
  const testNames = new Set(targets.nodes.filter((d) => d.resourceType === 'test').map((d) => d.id));
  const generics: Draft[] = [];
  const addTests = (attachedTo: string, attachedName: string, tests: TestEntries) => {
    for (const t of tests) {
      const parsed = parseTestEntry(t.entry, t.file, attachedName, t.column);
      const refTo = parsed.to?.ref ? targets.byName.get(parsed.to.ref) : undefined;
      if (parsed.to?.ref && !refTo) {
        throw new CompileError(
          `${t.file}: relationships test on ${attachedName}.${t.column} refers to unknown model '${parsed.to.ref}'`,
        );
      }
      const toSource = parsed.to?.source
        ? sourceIdOf(project.name, parsed.to.source[0], parsed.to.source[1])
        : undefined;
      if (toSource && !targets.sources[toSource])
        throw new CompileError(`${t.file}: relationships test refers to unknown source ${toSource}`);
      if (!BUILTIN_TESTS.includes(parsed.test) && !genericTestMacro(library, parsed.test)) {
        const [ns] = parsed.test.split('.');
        const [owner] = parsed.test.includes('.') ? [] : packagesDefiningTest(library, parsed.test);
        const hint = parsed.test.includes('.')
          ? library.packages[ns]
            ? `package ${ns} defines no test ${parsed.test.slice(ns.length + 1)}`
            : `package ${ns} is not installed in dbt_packages/ (name it in packages.yml and run edp dbt deps)`
          : owner
            ? `package ${owner} defines it: write ${owner}.${parsed.test}, as dbt-core finds a package's test only by its package name`
            : `define it with {% test ${parsed.test}(model, column_name) %} in tests/generic/`;
        throw new CompileError(`${t.file}: unknown test '${parsed.test}' on ${attachedName} (${hint})`);
      }
      const source = targets.sources[attachedTo];
      const identity = genericTestIdentity(project.name, {
        test: parsed.test,
        targetName: source ? `${source.sourceName}_${source.name}` : attachedName,
        onSource: !!source,
        targetCall: source ? `source('${source.sourceName}', '${source.name}')` : `ref('${attachedName}')`,
        args: { ...parsed.kwargs, ...(t.column !== undefined ? { column_name: t.column } : {}) },
        explicitName: parsed.name,
      });
      const { name } = identity;
      // Two entries dbt would name alike (only their configs differ) both run, the second suffixed.
      let id = identity.uniqueId;
      for (let i = 2; testNames.has(id); i++) id = `${identity.uniqueId}_${i}`;
      testNames.add(id);
      const fileLike: FoundFile = { path: t.file, inRoot: name, text: '' };
      const draft = draftNode(scope, {
        type: 'test',
        file: fileLike,
        name,
        rawSql: '',
        checksumOf: JSON.stringify([t.entry, t.column, attachedTo]),
      });
      draft.id = id;
      draft.fqn = [project.name, ...t.inRoot.split('/').slice(0, -1), name];
      mergeConfig(draft.config, configFromTree(project.configTrees.test, draft.fqn));
      // A name of 64 characters or more is hashed into the alias, as dbt does (files and relations use it).
      if (identity.alias !== name && draft.config.alias === undefined) draft.config.alias = identity.alias;
      coerceBooleanConfigs(mergeConfig(draft.config, parsed.config), t.file);
      const generic: GenericTest = { name: parsed.test, attachedTo, column: t.column, kwargs: parsed.kwargs };
      draft.generic = generic;
      // Arguments such as `compare_model: ref('x')` are relations the test reads, as in dbt.
      const argRefs = Object.values(parsed.kwargs).flatMap((v) =>
        typeof v === 'string' ? [...v.matchAll(/\bref\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]) : [],
      );
      const argDeps = argRefs.map((r) => targets.byName.get(r)?.id).filter((id): id is string => !!id);
      draft.dependsOn = [
        ...new Set([attachedTo, ...(refTo ? [refTo.id] : []), ...(toSource ? [toSource] : []), ...argDeps]),
      ];
      if (draft.config.enabled !== false) generics.push(draft);
    }
  };
  for (const d of targets.nodes) if (d.props?.tests.length) addTests(d.id, d.name, d.props.tests);
  for (const s of targets.declared)
    if (s.tests.length) addTests(s.source.id, `${s.source.sourceName}.${s.source.name}`, s.tests);
  return generics;
}
