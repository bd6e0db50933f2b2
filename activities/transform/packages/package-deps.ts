import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ProjectError } from '../../../lib/errors';
import { readProjectFile } from '../project-files';
import { HubClient, hubUrl } from './hub-registry';
import { resolveHub, type HubPin } from './hub-resolve';
import { LOCK_FILE, packagesHash, readLock, writeLock } from './package-lock';
import { PACKAGES_DIR, packageSpec, packagesFile, readPackageSpecs, type PackageSpec } from './package-specs';

/** What `edp dbt deps` did for one package. */
export interface InstalledReport {
  name: string;
  from: string;
}

/** Options of `edp dbt deps`, as dbt's flags. */
export interface DepsOptions {
  /** `--upgrade`: resolve packages.yml again even when package-lock.yml matches it. */
  upgrade?: boolean;
  /** `--lock`: resolve and write package-lock.yml, install nothing. */
  lockOnly?: boolean;
  /** `--no-version-check` when false: hub versions whose `require_dbt_version` excludes dbt 1.10 count too. */
  versionCheck?: boolean;
  /** Progress lines, as dbt prints them (`Installing dbt-labs/dbt_utils`, `Installed from version 1.3.3`). */
  log?: (line: string) => void;
  /** Where `DBT_PACKAGE_HUB_URL` is read (the process environment by default). */
  env?: NodeJS.ProcessEnv;
}

/** A package of the listing before it is pinned: its kind, what asked for it, and (hub) every range asked. */
type Unpinned =
  | { kind: 'local'; key: string; local: string; from: string[] }
  | { kind: 'git'; key: string; git: string; revisions: string[]; subdirectory?: string; from: string[] }
  | { kind: 'hub'; key: string; package: string; versions: string[]; installPrerelease: boolean; from: string[] };

/** A pinned package with what dbt reads from it: its project name, its own packages and where its files are. */
interface Pinned {
  key: string;
  name: string;
  packages: PackageSpec[];
  /** Its package-lock.yml entry, without the name. */
  lock: Record<string, unknown>;
  /** dbt's nice_version_name: `version 1.3.3`, `revision <sha>`, `<local @ path>`. */
  label: string;
  hub?: HubPin;
  /** The folder to copy (local, git checkout); hub packages are downloaded at install. */
  source?: string;
}

const typeName = { local: 'LocalUnpinnedPackage', git: 'GitUnpinnedPackage', hub: 'RegistryUnpinnedPackage' } as const;

function unpinned(spec: PackageSpec, from: string): Unpinned {
  if (spec.kind === 'local') return { kind: 'local', key: spec.local, local: spec.local, from: [from] };
  if (spec.kind === 'git')
    return {
      kind: 'git',
      key: spec.git,
      git: spec.git,
      revisions: spec.revision === undefined ? [] : [spec.revision],
      subdirectory: spec.subdirectory,
      from: [from],
    };
  return {
    kind: 'hub',
    key: spec.package,
    package: spec.package,
    versions: spec.versions,
    installPrerelease: spec.installPrerelease,
    from: [from],
  };
}

/** dbt's PackageListing.incorporate: one entry per package, hub ranges and git revisions added up. */
function incorporate(listing: Map<string, Unpinned>, pkg: Unpinned, file: string): void {
  const old = listing.get(pkg.key);
  if (!old) {
    listing.set(pkg.key, pkg);
    return;
  }
  if (old.kind !== pkg.kind)
    throw new ProjectError(
      `${file}: Cannot incorporate ${pkg.key} (${typeName[pkg.kind]}) in ${old.key} (${typeName[old.kind]}): mismatched types`,
    );
  const from = [...old.from, ...pkg.from.filter((f) => !old.from.includes(f))];
  if (old.kind === 'hub' && pkg.kind === 'hub')
    listing.set(pkg.key, { ...old, versions: [...old.versions, ...pkg.versions], from });
  else if (old.kind === 'git' && pkg.kind === 'git')
    listing.set(pkg.key, { ...old, revisions: [...old.revisions, ...pkg.revisions], from });
  else listing.set(pkg.key, { ...old, from });
}

/** One `edp dbt deps` run: the hub client, git checkouts and downloads in one temp folder. */
class Deps {
  readonly file: string;
  readonly hub: HubClient;
  readonly tmp = mkdtempSync(join(tmpdir(), 'edp-deps-'));
  private readonly checkouts = new Map<string, { dir: string; sha: string }>();

  constructor(
    readonly projectDir: string,
    env: NodeJS.ProcessEnv,
    private readonly versionCheck: boolean,
  ) {
    this.file = packagesFile(projectDir) ?? 'packages.yml';
    this.hub = new HubClient(hubUrl(env), (pkg) => `${this.file}: hub package ${pkg}`);
  }

  /** Clones a git package once per revision (with the git CLI); the message says why when git cannot. */
  private clone(git: string, revision: string | undefined): { dir: string; sha: string } {
    const id = `${git}#${revision ?? ''}`;
    const done = this.checkouts.get(id);
    if (done) return done;
    // A URL or revision read as an option (`--upload-pack=…`) would run a command: refused, and `--` before both.
    if (git.startsWith('-') || revision?.startsWith('-'))
      throw new ProjectError(`${this.file}: git package ${git}: a URL or revision may not start with '-'`);
    const tmp = join(this.tmp, `git-${this.checkouts.size}`);
    const git1 = (args: string[], timeout: number) =>
      spawnSync('git', ['-c', 'protocol.ext.allow=never', ...args], { encoding: 'utf8', timeout });
    let r = git1(
      ['clone', '--quiet', '--depth', '1', ...(revision ? ['--branch', revision] : []), '--', git, tmp],
      120_000,
    );
    if (r.status !== 0 && revision) {
      // A commit sha is not a branch: clone fully, then check it out.
      rmSync(tmp, { recursive: true, force: true });
      r = git1(['clone', '--quiet', '--', git, tmp], 300_000);
      if (r.status === 0) r = git1(['-C', tmp, 'checkout', '--quiet', revision, '--'], 60_000);
    }
    if (r.error || r.status !== 0) {
      throw new ProjectError(
        `${this.file}: git package ${git} could not be cloned (${(r.error?.message ?? r.stderr).trim().split('\n')[0]}): ` +
          `clone it yourself and copy it to ${PACKAGES_DIR}/<its name>/`,
      );
    }
    const sha = spawnSync('git', ['-C', tmp, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    const out = { dir: tmp, sha };
    this.checkouts.set(id, out);
    return out;
  }

  /** A local or git package's project name and own packages.yml (local paths are the root project's, as in dbt). */
  private folder(dir: string, key: string): Pick<Pinned, 'name' | 'packages'> {
    if (!existsSync(join(dir, 'dbt_project.yml')))
      throw new ProjectError(`${this.file}: package ${key}: ${dir} has no dbt_project.yml`);
    return { name: readProjectFile(dir).name, packages: readPackageSpecs(dir) };
  }

  /** Pins one package (dbt's `resolved()` then `fetch_metadata()`). */
  async pin(pkg: Unpinned): Promise<Pinned> {
    if (pkg.kind === 'local') {
      const dir = isAbsolute(pkg.local) ? pkg.local : resolve(this.projectDir, pkg.local);
      return {
        key: pkg.key,
        ...this.folder(dir, pkg.key),
        lock: { local: pkg.local },
        label: `<local @ ${pkg.local}>`,
        source: dir,
      };
    }
    if (pkg.kind === 'git') {
      const revisions = [...new Set(pkg.revisions)];
      if (revisions.length > 1)
        throw new ProjectError(
          `${this.file}: git package ${pkg.git} is required at several revisions: ${revisions.join(', ')}`,
        );
      const { dir, sha } = this.clone(pkg.git, revisions[0]);
      const source = pkg.subdirectory ? join(dir, pkg.subdirectory) : dir;
      return {
        key: pkg.key,
        ...this.folder(source, pkg.key),
        lock: { git: pkg.git, revision: sha, ...(pkg.subdirectory ? { subdirectory: pkg.subdirectory } : {}) },
        label: `revision ${sha}`,
        source,
      };
    }
    const hub = await resolveHub(this.hub, pkg, this.file, this.versionCheck);
    const packages = hub.info.packages.map((e, i) => {
      const where = `versions.${hub.version}.packages[${i}]`;
      const spec = packageSpec(`${this.hub.baseUrl}api/v1/${pkg.package}.json`, where, e);
      // A folder on this machine named by a download is not the project's to give: refused.
      if (spec.kind === 'local')
        throw new ProjectError(
          `${this.file}: hub package ${pkg.package} ${hub.version} (${where}) names a local: package`,
        );
      return spec;
    });
    return {
      key: pkg.key,
      name: hub.info.name,
      packages,
      lock: { package: pkg.package, version: hub.version },
      label: `version ${hub.version}`,
      hub,
    };
  }

  /** dbt's resolve_packages: packages.yml and every package's own packages, each pinned once its ranges are known. */
  async resolveAll(specs: PackageSpec[]): Promise<Pinned[]> {
    let pending = new Map<string, Unpinned>();
    for (const s of specs) incorporate(pending, unpinned(s, this.file), this.file);
    const final = new Map<string, Unpinned>();
    const expanded = new Set<string>();
    while (pending.size) {
      const next = new Map<string, Unpinned>();
      for (const pkg of pending.values()) {
        incorporate(final, pkg, this.file);
        const pinned = await this.pin(final.get(pkg.key)!);
        // A package pinned the same way again adds nothing new (and a cycle would never end in dbt).
        const id = `${pinned.key}@${JSON.stringify(pinned.lock)}`;
        if (expanded.has(id)) continue;
        expanded.add(id);
        const from = pinned.hub ? `${pinned.key}@${pinned.hub.version}` : pinned.key;
        for (const s of pinned.packages) incorporate(next, unpinned(s, from), this.file);
      }
      pending = next;
    }
    const out: Pinned[] = [];
    for (const pkg of final.values()) out.push(await this.pin(pkg));
    this.checkNames(out);
    return out;
  }

  private checkNames(pins: Pinned[]): void {
    const root = readProjectFile(this.projectDir).name;
    const seen = new Set<string>();
    for (const p of pins) {
      if (seen.has(p.name))
        throw new ProjectError(
          `${this.file}: Found duplicate project "${p.name}". This occurs when a dependency has the same project name as some other dependency.`,
        );
      if (p.name === root)
        throw new ProjectError(
          `${this.file}: Found a dependency with the same name as the root project "${root}". Package names must be unique in a project. Please rename one of these packages.`,
        );
      seen.add(p.name);
    }
  }

  /** Installs one pinned package into dbt_packages/<its project name>. */
  async install(p: Pinned): Promise<void> {
    const root = resolve(this.projectDir, PACKAGES_DIR);
    const dest = resolve(root, p.name);
    if (dirname(dest) !== root)
      throw new ProjectError(`package name '${p.name}' is not a folder name under ${PACKAGES_DIR}/`);
    rmSync(dest, { recursive: true, force: true });
    if (p.hub) {
      // Like dbt: the tarball's one top folder, whole, renamed to the package's name.
      cpSync(await this.hub.download(p.key, p.hub.info.downloads.tarball, this.tmp), dest, { recursive: true });
      return;
    }
    // A git checkout's links are copied as written (dbt moves the clone; the temporary clone is removed after), a
    // local package's point where they pointed (dbt links the folder, so a link leaving it still resolves).
    cpSync(p.source!, dest, {
      recursive: true,
      verbatimSymlinks: Boolean(p.lock.git),
      filter: (src) => !/[/\\](\.git|integration_tests|dbt_packages|target|logs)$/.test(src),
    });
  }

  close(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/**
 * `dbt deps`, as dbt-core 1.10 does it: resolves packages.yml / dependencies.yml (hub version ranges, every
 * package's own packages) into package-lock.yml when there is none, it was written for another packages.yml,
 * or on `upgrade`; then empties dbt_packages/ and installs what the lock names: hub releases downloaded from
 * `DBT_PACKAGE_HUB_URL` (default hub.getdbt.com), `local:` folders copied, `git:` repositories cloned.
 */
export async function installPackages(projectDir: string, options: DepsOptions = {}): Promise<InstalledReport[]> {
  const log = options.log ?? (() => {});
  const specs = readPackageSpecs(projectDir);
  const deps = new Deps(projectDir, options.env ?? process.env, options.versionCheck ?? true);
  try {
    const hash = packagesHash(specs);
    let lock = readLock(projectDir);
    if (!lock || options.upgrade || lock.sha1_hash !== hash) {
      if (!specs.length) {
        log(`Warning: No packages were found in ${deps.file}`);
        return [];
      }
      const resolved = await deps.resolveAll(specs);
      lock = { packages: resolved.map((p) => ({ ...p.lock, name: p.name })), sha1_hash: hash };
      writeLock(projectDir, lock);
      log(`Updating lock file in file path: ${join(projectDir, LOCK_FILE)}`);
    }
    if (options.lockOnly) return [];
    // Pin everything before dbt_packages/ is emptied, so an unreachable hub leaves it as it was.
    const pins: Pinned[] = [];
    for (const [i, e] of lock.packages.entries()) {
      const spec = packageSpec(LOCK_FILE, `packages[${i}]`, e ?? {});
      pins.push(await deps.pin(unpinned(spec, LOCK_FILE)));
    }
    rmSync(join(projectDir, PACKAGES_DIR), { recursive: true, force: true });
    mkdirSync(join(projectDir, PACKAGES_DIR), { recursive: true });
    if (!pins.length) log(`Warning: No packages were found in ${deps.file}`);
    const upgrades: string[] = [];
    const reports: InstalledReport[] = [];
    for (const p of pins) {
      log(`Installing ${p.key}`);
      await deps.install(p);
      log(`Installed from ${p.label}`);
      if (p.hub) {
        if (p.hub.latest !== p.hub.version) {
          upgrades.push(p.key);
          log(`Updated version available: ${p.hub.latest}`);
        } else log('Up to date!');
      }
      reports.push({ name: p.name, from: p.hub ? `${p.key}@${p.hub.version}` : p.lock.git ? p.key : p.source! });
    }
    if (upgrades.length)
      log(
        `Updates available for packages: [${upgrades.map((u) => `'${u}'`).join(', ')}]\nUpdate your versions in ${deps.file}, then run edp dbt deps`,
      );
    return reports;
  } finally {
    deps.close();
  }
}
