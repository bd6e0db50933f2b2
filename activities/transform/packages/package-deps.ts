import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ProjectError } from '../../../lib/errors';
import { readProjectFile } from '../project-files';
import { PACKAGES_DIR, packagesFile, readPackageSpecs, type PackageSpec } from './package-specs';

/** What `edp dbt deps` did for one package. */
export interface InstalledReport {
  name: string;
  from: string;
}

/** Copies a package folder into `dbt_packages/<its project name>`, replacing what was there. */
function place(projectDir: string, source: string, from: string): InstalledReport {
  const name = readProjectFile(source).name;
  const dest = join(projectDir, PACKAGES_DIR, name);
  rmSync(dest, { recursive: true, force: true });
  cpSync(source, dest, {
    recursive: true,
    filter: (src) => !/[/\\](\.git|integration_tests|dbt_packages|target|logs)$/.test(src),
  });
  return { name, from };
}

/** Clones a git package (with the git CLI) and places it; the message says why when git cannot. */
function installGit(projectDir: string, spec: Extract<PackageSpec, { kind: 'git' }>): InstalledReport {
  const tmp = mkdtempSync(join(tmpdir(), 'edp-deps-'));
  try {
    const args = [
      'clone',
      '--quiet',
      '--depth',
      '1',
      ...(spec.revision ? ['--branch', spec.revision] : []),
      spec.git,
      tmp,
    ];
    let r = spawnSync('git', args, { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 && spec.revision) {
      // A commit sha is not a branch: clone fully, then check it out.
      rmSync(tmp, { recursive: true, force: true });
      r = spawnSync('git', ['clone', '--quiet', spec.git, tmp], { encoding: 'utf8', timeout: 300_000 });
      if (r.status === 0) r = spawnSync('git', ['-C', tmp, 'checkout', '--quiet', spec.revision], { encoding: 'utf8' });
    }
    if (r.error || r.status !== 0) {
      throw new ProjectError(
        `${packagesFile(projectDir)}: git package ${spec.git} could not be cloned (${(r.error?.message ?? r.stderr).trim().split('\n')[0]}): ` +
          `clone it yourself and copy it to ${PACKAGES_DIR}/<its name>/`,
      );
    }
    return place(projectDir, spec.subdirectory ? join(tmp, spec.subdirectory) : tmp, spec.git);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * `dbt deps`: installs the packages of packages.yml / dependencies.yml into dbt_packages/: `local:`
 * folders are copied, `git:` repositories cloned with the git CLI. The dbt package hub is not reachable
 * from here, so a hub package fails with how to place it by hand.
 */
export function installPackages(projectDir: string): InstalledReport[] {
  const specs = readPackageSpecs(projectDir);
  mkdirSync(join(projectDir, PACKAGES_DIR), { recursive: true });
  const hub = specs.filter((s) => s.kind === 'hub');
  if (hub.length) {
    const names = hub.map(
      (s) => `${s.package}${s.version === undefined ? '' : `@${JSON.stringify(s.version).replace(/"/g, '')}`}`,
    );
    throw new ProjectError(
      `${packagesFile(projectDir)}: hub package(s) ${names.join(', ')}: the dbt package hub (hub.getdbt.com) is not reachable from the engine; ` +
        `download each package's release yourself and unpack it into ${PACKAGES_DIR}/<package name>/ (the folder holding its dbt_project.yml), then build without deps`,
    );
  }
  return specs.map((spec) => {
    if (spec.kind === 'git') return installGit(projectDir, spec);
    const source = spec.kind === 'local' ? (isAbsolute(spec.local) ? spec.local : resolve(projectDir, spec.local)) : '';
    if (!existsSync(join(source, 'dbt_project.yml')))
      throw new ProjectError(`${packagesFile(projectDir)}: local package ${source} has no dbt_project.yml`);
    return place(projectDir, source, source);
  });
}
