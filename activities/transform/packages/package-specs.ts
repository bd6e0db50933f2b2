import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ProjectError } from '../../../lib/errors';
import { CompileError } from '../jinja';
import { findFiles, readProjectFile, type ProjectFile } from '../project-files';

/** One entry of `packages.yml` / `dependencies.yml`. */
export type PackageSpec = (
  | { kind: 'local'; local: string }
  | { kind: 'git'; git: string; revision?: string; subdirectory?: string }
  | {
      kind: 'hub';
      package: string;
      /** As written: a string, a number or a list of them. */
      version: unknown;
      /** The version specifiers, each as a string (`>=1.0.0`). */
      versions: string[];
      installPrerelease: boolean;
    }
) & {
  /** The entry as written in the file (dbt hashes it into package-lock.yml). */
  raw: Record<string, unknown>;
};

/** A package found in `dbt_packages/`. */
export interface InstalledPackage {
  name: string;
  /** Its folder, relative to the project (`dbt_packages/dbt_utils`). */
  path: string;
  project: ProjectFile;
}

/** Where dbt installs packages, relative to the project. */
export const PACKAGES_DIR = 'dbt_packages';

/** The file naming the project's packages (`packages.yml`, else `dependencies.yml`), if any. */
export function packagesFile(dir: string): string | undefined {
  return ['packages.yml', 'dependencies.yml'].find((f) => existsSync(join(dir, f)));
}

/** The packages `packages.yml` or `dependencies.yml` names; none when neither file exists. */
export function readPackageSpecs(dir: string): PackageSpec[] {
  const file = packagesFile(dir);
  if (!file) return [];
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(join(dir, file), 'utf8'));
  } catch (err) {
    throw new CompileError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const list = (doc as { packages?: unknown } | null)?.packages ?? [];
  if (!Array.isArray(list)) throw new CompileError(`${file}: packages must be a list`);
  return list.map((raw, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    return packageSpec(file, `packages[${i}]`, e);
  });
}

/** One entry of packages.yml (or of package-lock.yml, or a hub package's own list), checked. */
export function packageSpec(file: string, where: string, e: Record<string, unknown>): PackageSpec {
  const raw = e;
  if (typeof e.local === 'string') return { kind: 'local', local: e.local, raw };
  if (typeof e.git === 'string') {
    const revision = typeof e.revision === 'string' || typeof e.revision === 'number' ? String(e.revision) : undefined;
    const subdirectory = typeof e.subdirectory === 'string' ? e.subdirectory : undefined;
    return { kind: 'git', git: e.git, revision, subdirectory, raw };
  }
  if (typeof e.package === 'string') {
    const list = Array.isArray(e.version) ? e.version : [e.version];
    if (e.version === undefined || e.version === null || !list.every((v) => ['string', 'number'].includes(typeof v)))
      throw new CompileError(
        `${file}: ${where} (${e.package}): version: is required, a version or a list of them (e.g. [">=1.0.0", "<2.0.0"])`,
      );
    const versions = list.map(String);
    return {
      kind: 'hub',
      package: e.package,
      version: e.version,
      versions,
      installPrerelease: e.install_prerelease === true,
      raw,
    };
  }
  if (typeof e.tarball === 'string' || typeof e.private === 'string')
    throw new CompileError(
      `${file}: ${where}: ${typeof e.tarball === 'string' ? 'tarball' : 'private'}: packages are not supported by edp dbt deps (use local:, git: or package:)`,
    );
  throw new CompileError(`${file}: ${where} needs local:, git: or package:`);
}

/** The folder name dbt would give a hub or local package, when it can be known without installing. */
export function expectedName(dir: string, spec: PackageSpec): string | undefined {
  if (spec.kind === 'hub') return spec.package.split('/').pop();
  if (spec.kind === 'local' && existsSync(join(dir, spec.local, 'dbt_project.yml')))
    return readProjectFile(join(dir, spec.local)).name;
  return undefined;
}

/**
 * The packages installed in `dbt_packages/`; fails (as dbt does at parse) when `packages.yml` names more
 * than are installed, naming the missing ones it can tell, and on a package with models (not supported).
 */
export function installedPackages(dir: string): InstalledPackage[] {
  const specs = readPackageSpecs(dir);
  const root = join(dir, PACKAGES_DIR);
  const found: InstalledPackage[] = existsSync(root)
    ? readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'dbt_project.yml')))
        .map((d) => ({
          name: readProjectFile(join(root, d.name)).name,
          path: `${PACKAGES_DIR}/${d.name}`,
          project: readProjectFile(join(root, d.name)),
        }))
    : [];
  const names = new Set(found.map((p) => p.name));
  const missing = specs.map((s) => expectedName(dir, s)).filter((n): n is string => !!n && !names.has(n));
  if (missing.length || specs.length > found.length) {
    throw new ProjectError(
      `${packagesFile(dir)}: ${specs.length} package(s) named but ${found.length} installed in ${PACKAGES_DIR}/` +
        `${missing.length ? ` (missing: ${missing.join(', ')})` : ''}: run \`edp dbt deps\`, or place the packages in ${PACKAGES_DIR}/ by hand`,
    );
  }
  for (const p of found) {
    const models = findFiles(join(dir, p.path), p.project.modelPaths, ['.sql']);
    if (models.length) {
      throw new CompileError(
        `${p.path}/${models[0].path}:1: package ${p.name} defines models; models in packages are not supported (only macros and generic tests)`,
      );
    }
  }
  return found;
}

/** The `dispatch:` config of dbt_project.yml: macro namespace → packages searched, in order. */
export function readDispatch(dir: string): Record<string, string[]> {
  const doc = (parseYaml(readFileSync(join(dir, 'dbt_project.yml'), 'utf8')) ?? {}) as { dispatch?: unknown };
  const out: Record<string, string[]> = {};
  if (doc.dispatch === undefined) return out;
  if (!Array.isArray(doc.dispatch)) throw new CompileError('dbt_project.yml: dispatch must be a list');
  for (const [i, raw] of doc.dispatch.entries()) {
    const e = (raw ?? {}) as { macro_namespace?: unknown; search_order?: unknown };
    if (typeof e.macro_namespace !== 'string' || !Array.isArray(e.search_order))
      throw new CompileError(`dbt_project.yml: dispatch[${i}] needs macro_namespace and search_order: [..]`);
    out[e.macro_namespace] = e.search_order.map(String);
  }
  return out;
}
