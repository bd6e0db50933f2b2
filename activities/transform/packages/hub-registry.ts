import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectError } from '../../../lib/errors';

/** The hub dbt reads when `DBT_PACKAGE_HUB_URL` is not set. */
export const DEFAULT_HUB_URL = 'https://hub.getdbt.com/';

/** One version of a hub package as the hub's API describes it. */
export interface HubVersion {
  /** The package's project name: its folder in dbt_packages/. */
  name: string;
  packages: Record<string, unknown>[];
  downloads: { tarball: string };
  require_dbt_version?: string | string[];
}

/** How long one hub request may take (dbt: 30 s). */
const TIMEOUT_MS = 30_000;

/** The hub's base URL: `DBT_PACKAGE_HUB_URL` as dbt reads it (a missing trailing `/` is added), else hub.getdbt.com. */
export function hubUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DBT_PACKAGE_HUB_URL || DEFAULT_HUB_URL;
  return url.endsWith('/') ? url : `${url}/`;
}

/** Why a request failed, from fetch's error and its cause (ECONNREFUSED, ENOTFOUND, a timeout). */
function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer in ${TIMEOUT_MS / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

/**
 * The dbt package hub's API (`api/v1/index.json`, `api/v1/<namespace>/<name>.json`) and its tarballs, each
 * read once per `edp dbt deps`. `where` names packages.yml and the package in every error.
 */
export class HubClient {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    readonly baseUrl: string,
    private readonly where: (pkg: string) => string,
  ) {}

  private unreachable(pkg: string, url: string, why: string): ProjectError {
    return new ProjectError(
      `${this.where(pkg)}: the dbt package hub is not reachable at ${redacted(url)} (${why}); set DBT_PACKAGE_HUB_URL to a reachable hub, ` +
        `or download the package's release yourself and unpack it into dbt_packages/<package name>/ (the folder holding its dbt_project.yml), then build without deps`,
    );
  }

  private async get(pkg: string, url: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw this.unreachable(pkg, url, reason(err));
    }
    if (!res.ok) throw this.unreachable(pkg, url, `HTTP ${res.status}`);
    return res;
  }

  private json(pkg: string, path: string): Promise<unknown> {
    const url = `${this.baseUrl}api/v1/${path}.json`;
    let p = this.cache.get(url);
    if (!p) {
      p = this.get(pkg, url).then(async (res) => {
        try {
          return await res.json();
        } catch (err) {
          throw this.unreachable(pkg, url, `not JSON: ${(err as Error).message}`);
        }
      });
      this.cache.set(url, p);
    }
    return p;
  }

  /** Every package the hub lists (`namespace/name`). */
  async index(pkg: string): Promise<string[]> {
    const list = await this.json(pkg, 'index');
    if (!Array.isArray(list)) throw this.unreachable(pkg, `${this.baseUrl}api/v1/index.json`, 'not a list');
    return list.map(String);
  }

  /** The versions of `pkg` (`dbt-labs/dbt_utils`), by version string, in the hub's order. */
  async versions(pkg: string): Promise<Record<string, HubVersion>> {
    const url = `${this.baseUrl}api/v1/${pkg}.json`;
    const doc = (await this.json(pkg, pkg)) as { name?: unknown; versions?: unknown } | null;
    if (!doc || typeof doc !== 'object' || !doc.versions || typeof doc.versions !== 'object')
      throw this.unreachable(pkg, url, 'the answer has no versions');
    const versions = doc.versions as Record<string, HubVersion>;
    for (const [v, info] of Object.entries(versions)) {
      if (!info || typeof info.name !== 'string' || !Array.isArray(info.packages) || !info.downloads?.tarball)
        throw this.unreachable(pkg, url, `version ${v} lacks name, packages or downloads.tarball`);
      // The name becomes a folder under dbt_packages/: a project name, as dbt_project.yml's is checked.
      if (!PROJECT_NAME.test(info.name))
        throw this.unreachable(pkg, url, `version ${v} names its package '${info.name}', not a dbt project name`);
    }
    return versions;
  }

  /**
   * Downloads a release tarball and unpacks it (with the system's tar) into a new folder under `tmp`;
   * returns the tarball's one top folder (dbt renames it to the package's name).
   */
  async download(pkg: string, url: string, tmp: string): Promise<string> {
    const res = await this.get(pkg, url);
    const dir = mkdtempSync(join(tmp, 'hub-'));
    const file = join(dir, 'package.tar.gz');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const out = join(dir, 'x');
    mkdirSync(out);
    // Only folders and regular files: a link in a package could point anywhere on this host.
    const listed = spawnSync('tar', ['-tvzf', file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const odd = (listed.stdout ?? '').split('\n').find((l) => l && !/^[-d]/.test(l));
    if (odd !== undefined)
      throw new ProjectError(
        `${this.where(pkg)}: the tarball ${redacted(url)} holds an entry that is not a file or folder (${odd.trim().slice(0, 200)}): not installed`,
      );
    const r = spawnSync('tar', ['-xzf', file, '-C', out, '--no-same-owner', '--no-same-permissions'], {
      encoding: 'utf8',
    });
    if (r.error || r.status !== 0)
      throw new ProjectError(
        `${this.where(pkg)}: the tarball ${redacted(url)} could not be unpacked with tar: ${(r.error?.message ?? r.stderr).trim()}`,
      );
    const top = readdirSync(out);
    if (top.length !== 1)
      throw new ProjectError(
        `${this.where(pkg)}: the tarball ${redacted(url)} holds ${top.length} top folders, not one`,
      );
    return join(out, top[0]);
  }
}

/** A dbt project name (dbt_project.yml's `name`), the only folder name a package may take under dbt_packages/. */
const PROJECT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `url` for a message: without user, password or query string (a token in a mirror's URL stays out of logs). */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '<an unreadable URL>';
  }
}
