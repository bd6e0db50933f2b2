import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { dbtCommand } from '../../cli/dbt-command';
import { dbtCorpus } from '../helpers/dbt-corpus';
import { runEdp } from '../helpers/edp-cli';
import { testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';
import { testServices } from '../setup/test-services';

const CORPUS = dbtCorpus();

/** A release the stand-in hub serves: a corpus package, unmodified, under a version of our choosing. */
interface Release {
  pkg: string;
  folder: string;
  version: string;
  packages: Record<string, unknown>[];
  requireDbt?: string[];
}

const UTILS_DEPS: Record<string, unknown>[] = [];
const RELEASES: Release[] = [
  { pkg: 'dbt-labs/dbt_utils', folder: 'dbt_utils', version: '1.1.1', packages: UTILS_DEPS },
  { pkg: 'dbt-labs/dbt_utils', folder: 'dbt_utils', version: '1.3.3', packages: UTILS_DEPS },
  // A pre-release and a release for another dbt: dbt installs neither.
  { pkg: 'dbt-labs/dbt_utils', folder: 'dbt_utils', version: '1.4.0-b1', packages: UTILS_DEPS },
  { pkg: 'dbt-labs/dbt_utils', folder: 'dbt_utils', version: '2.0.0', packages: UTILS_DEPS, requireDbt: ['>=2.0.0'] },
  {
    pkg: 'calogica/dbt_date',
    folder: 'dbt_date',
    version: '0.10.1',
    packages: [{ package: 'dbt-labs/dbt_utils', version: ['>=0.9.0', '<2.0.0'] }],
    requireDbt: ['>=1.10.5', '<3.0.0'],
  },
  {
    pkg: 'calogica/dbt_expectations',
    folder: 'dbt_expectations',
    version: '0.10.4',
    packages: [{ package: 'calogica/dbt_date', version: ['>=0.9.0', '<1.0.0'] }],
    requireDbt: ['>=1.2.0', '<2.0.0'],
  },
];

/**
 * A local HTTP stand-in for hub.getdbt.com: `api/v1/index.json`, `api/v1/<namespace>/<name>.json` in the
 * hub's shape and tarballs (one top folder, as GitHub's codeload serves them) built with the system's tar.
 */
async function standInHub(work: string, releases: Release[]): Promise<{ url: string; server: Server }> {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const docs = new Map<string, unknown>();
  for (const r of releases) {
    const [namespace, name] = r.pkg.split('/');
    const top = `${name.replace(/_/g, '-')}-${r.version}`;
    const src = join(work, 'src', top);
    cpSync(join(CORPUS, 'packages', r.folder), src, { recursive: true });
    const file = `${namespace}-${top}.tar.gz`;
    const tar = spawnSync('tar', ['-czf', join(tarballs, file), '-C', join(work, 'src'), top]);
    expect(tar.status).toBe(0);
    const doc = (docs.get(r.pkg) ?? { name, namespace, latest: r.version, versions: {} }) as {
      versions: Record<string, unknown>;
    };
    doc.versions[r.version] = {
      id: `${r.pkg}/${r.version}`,
      name,
      version: r.version,
      packages: r.packages,
      require_dbt_version: r.requireDbt ?? [],
      downloads: { tarball: `${url}tarballs/${file}` },
    };
    docs.set(r.pkg, doc);
  }
  server.on('request', (req, res) => {
    const path = req.url ?? '';
    const api = /^\/api\/v1\/(.+)\.json$/.exec(path)?.[1];
    const body =
      api === 'index'
        ? JSON.stringify([...docs.keys()])
        : api && docs.has(api)
          ? JSON.stringify(docs.get(api))
          : path.startsWith('/tarballs/') && existsSync(join(tarballs, path.slice(10)))
            ? readFileSync(join(tarballs, path.slice(10)))
            : undefined;
    res.writeHead(body === undefined ? 404 : 200).end(body ?? 'not found');
  });
  return { url, server };
}

/** A git repository (tag v1) holding a package whose own packages.yml names a hub package. */
function gitPackage(dir: string): string {
  mkdirSync(join(dir, 'macros'), { recursive: true });
  writeFileSync(join(dir, 'dbt_project.yml'), "name: gitpkg\nversion: '1.0'\n");
  writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - package: calogica/dbt_date\n    version: ">=0.10.0"\n');
  writeFileSync(join(dir, 'macros', 'g.sql'), '{% macro g() %}1{% endmacro %}\n');
  const git = (...args: string[]) =>
    expect(spawnSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]).status).toBe(0);
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'v1');
  git('tag', 'v1');
  return dir;
}

/** A project whose models use dbt_utils and dbt_date macros; dbt_utils pinned below its newest release. */
function project(dir: string, gitRepo?: string): string {
  const files: Record<string, string> = {
    'dbt_project.yml': "name: hub_demo\nversion: '1.0'\nprofile: edp\nvars:\n  'dbt_date:time_zone': 'UTC'\n",
    'packages.yml': [
      'packages:',
      '  - package: calogica/dbt_expectations',
      '    version: [">=0.10.0", "<0.11.0"]',
      '  - package: dbt-labs/dbt_utils',
      '    version: [">=1.0.0", "<1.2.0"]',
      '  - local: vendor/lib',
      ...(gitRepo ? [`  - git: file://${gitRepo}`, '    revision: v1'] : []),
      '',
    ].join('\n'),
    // A local package with packages of its own: dbt installs those too.
    'vendor/lib/dbt_project.yml': "name: lib\nversion: '1.0'\n",
    'vendor/lib/packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: ">=1.1.0"\n',
    'vendor/lib/macros/lib_key.sql':
      '{% macro lib_key(c) %}{{ dbt_utils.generate_surrogate_key([c]) }}{% endmacro %}\n',
    'models/keyed.sql':
      "select {{ dbt_utils.generate_surrogate_key(['a', 'b']) }} as k, {{ lib.lib_key('a') }} as k2, {{ dbt_date.day_of_week('d') }} as dow\n" +
      "from (select 1 as a, 'x' as b, date '2026-01-05' as d) t\n",
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

/** Every file under `dir` (symlinks followed, `.git` left out) with its size: what two installs are compared by. */
function tree(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (e === '.git') continue; // dbt keeps a git package's .git folder; edp leaves it out
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = statSync(p).size;
    }
  };
  walk(dir);
  return out;
}

describe('edp dbt deps from a local HTTP stand-in for the dbt hub', () => {
  let hub: { url: string; server: Server };
  let work: string;
  const saved = process.env.DBT_PACKAGE_HUB_URL;

  beforeAll(async () => {
    work = tmpDir('edp-hub-deps-');
    hub = await standInHub(work, RELEASES);
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.DBT_PACKAGE_HUB_URL;
    else process.env.DBT_PACKAGE_HUB_URL = saved;
    await new Promise((ok) => hub.server.close(ok));
    rmSync(work, { recursive: true, force: true });
  });

  it('installs hub packages and their own packages like dbt-core, writes the same package-lock.yml, and compiles', async () => {
    const repo = gitPackage(join(work, 'gitpkg'));
    const ours = project(join(work, 'ours'), repo);
    const { code, out } = await runEdp(join(work, 'state'), ['dbt', 'deps', '--project-dir', ours]);
    expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('Installing calogica/dbt_expectations') });
    const lines = out.split('\n').filter((l) => /Installing|Installed|Up to date|Updated version/.test(l));
    expect(lines).toEqual([
      'Installing calogica/dbt_expectations',
      'Installed from version 0.10.4',
      'Up to date!',
      'Installing dbt-labs/dbt_utils',
      'Installed from version 1.1.1',
      'Updated version available: 1.3.3',
      'Installing vendor/lib',
      'Installed from <local @ vendor/lib>',
      `Installing file://${repo}`,
      expect.stringMatching(/^Installed from revision [0-9a-f]{40}$/),
      'Installing calogica/dbt_date',
      'Installed from version 0.10.1',
      'Up to date!',
    ]);
    expect(readdirSync(join(ours, 'dbt_packages')).sort()).toEqual([
      'dbt_date',
      'dbt_expectations',
      'dbt_utils',
      'gitpkg',
      'lib',
    ]);

    // dbt-core's own `dbt deps` against the same stand-in: the same folders and files, the same lock file.
    const theirs = project(join(work, 'theirs'), repo);
    // Asynchronously: the stand-in answers from this process.
    const dbt = await new Promise<{ status: number | null; out: string }>((ok) => {
      const child = spawn(testServices().dbt, ['deps', '--project-dir', theirs, '--log-path', join(work, 'dbt-logs')], {
        env: {
          ...process.env,
          NO_PROXY: '127.0.0.1',
          DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
          DBT_USE_COLORS: 'false',
        },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (status) => ok({ status, out }));
    });
    expect({ status: dbt.status, out: dbt.status ? dbt.out : '' }).toEqual({ status: 0, out: '' });
    expect(readFileSync(join(ours, 'package-lock.yml'), 'utf8')).toBe(
      readFileSync(join(theirs, 'package-lock.yml'), 'utf8'),
    );
    expect(tree(join(ours, 'dbt_packages'))).toEqual(tree(join(theirs, 'dbt_packages')));

    const { config } = testConfig('it-hub-deps');
    const log: string[] = [];
    const compiled = await dbtCommand(
      config,
      'compile',
      { projectDir: ours, select: [], exclude: [], fullRefresh: false, noWait: false },
      (m) => log.push(m),
    );
    expect({ compiled, log: log.filter((l) => /error/i.test(l)) }).toEqual({ compiled: 0, log: [] });
    const sql = readFileSync(join(ours, 'target', 'compiled', 'hub_demo', 'models', 'keyed.sql'), 'utf8');
    expect(sql).toContain("md5(cast(coalesce(cast(a as varchar), '_dbt_utils_surrogate_key_null_')");
  }, 600_000);

  it('installs from package-lock.yml until --upgrade, and says when the hub cannot be reached', async () => {
    const dir = project(join(work, 'locked'));
    writeFileSync(
      join(dir, 'packages.yml'),
      'packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.0.0", "<2.0.0"]\n',
    );
    const state = join(work, 'state');
    expect((await runEdp(state, ['dbt', 'deps', '--project-dir', dir])).out).toContain('Installed from version 1.3.3');
    // The lock says 1.3.3; a newer release on the hub changes nothing until --upgrade.
    const newer = await standInHub(join(work, 'newer'), [
      ...RELEASES,
      { pkg: 'dbt-labs/dbt_utils', folder: 'dbt_utils', version: '1.3.4', packages: UTILS_DEPS },
    ]);
    process.env.DBT_PACKAGE_HUB_URL = newer.url;
    try {
      const again = await runEdp(state, ['dbt', 'deps', '--project-dir', dir]);
      expect(again.out).toMatch(/Installed from version 1\.3\.3\nUpdated version available: 1\.3\.4/);
      expect(readFileSync(join(dir, 'package-lock.yml'), 'utf8')).toContain('version: 1.3.3');
      const upgraded = await runEdp(state, ['dbt', 'deps', '--project-dir', dir, '--upgrade']);
      expect(upgraded.out).toMatch(/Installed from version 1\.3\.4\nUp to date!/);
      expect(readFileSync(join(dir, 'package-lock.yml'), 'utf8')).toContain('version: 1.3.4');
    } finally {
      process.env.DBT_PACKAGE_HUB_URL = hub.url;
      await new Promise((ok) => newer.server.close(ok));
    }

    // A hub nobody listens on: the error names packages.yml, the package, the URL and the way by hand.
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((ok) => closed.close(ok));
    process.env.DBT_PACKAGE_HUB_URL = deadUrl;
    try {
      const failed = await runEdp(state, ['dbt', 'deps', '--project-dir', dir, '--upgrade']);
      expect(failed.code).toBe(1);
      expect(failed.out).toContain(
        `packages.yml: hub package dbt-labs/dbt_utils: the dbt package hub is not reachable at ${deadUrl}api/v1/index.json (ECONNREFUSED)`,
      );
      expect(failed.out).toMatch(/unpack it into dbt_packages\/<package name>\//);
      // What was installed stays installed.
      expect(existsSync(join(dir, 'dbt_packages', 'dbt_utils', 'dbt_project.yml'))).toBe(true);
    } finally {
      process.env.DBT_PACKAGE_HUB_URL = hub.url;
    }
  }, 600_000);

  it('fails on ranges no release satisfies, naming what asked for them', async () => {
    const more = await standInHub(join(work, 'more'), [
      ...RELEASES,
      { pkg: 'calogica/dbt_date', folder: 'dbt_date', version: '1.0.0', packages: [] },
    ]);
    process.env.DBT_PACKAGE_HUB_URL = more.url;
    const dir = project(join(work, 'conflict'));
    writeFileSync(
      join(dir, 'packages.yml'),
      'packages:\n  - package: calogica/dbt_expectations\n    version: 0.10.4\n  - package: calogica/dbt_date\n    version: 1.0.0\n',
    );
    const { code, out } = await runEdp(join(work, 'state'), ['dbt', 'deps', '--project-dir', dir]);
    expect(code).toBe(1);
    expect(out).toContain(
      "packages.yml: Version error for package calogica/dbt_date: Could not find a satisfactory version from options: ['=1.0.0', '>=0.9.0', '<1.0.0'] (required by packages.yml, calogica/dbt_expectations@0.10.4)",
    );
    expect(existsSync(join(dir, 'package-lock.yml'))).toBe(false);

    // A release for another dbt version is left out, and the message says so, until --no-version-check.
    writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - package: dbt-labs/dbt_utils\n    version: ">=2.0.0"\n');
    const other = await runEdp(join(work, 'state'), ['dbt', 'deps', '--project-dir', dir]);
    expect(other.out).toContain(
      "packages.yml: Could not find a matching compatible version for package dbt-labs/dbt_utils\n  Requested range: >=2.0.0 (required by packages.yml)\n  Compatible versions: ['1.1.1', '1.3.3']\n",
    );
    expect(other.out).toContain("To include them, run 'edp dbt deps --no-version-check'");
    const forced = await runEdp(join(work, 'state'), ['dbt', 'deps', '--project-dir', dir, '--no-version-check']);
    expect(forced.out).toContain('Installed from version 2.0.0');
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    await new Promise((ok) => more.server.close(ok));
  }, 120_000);
});
