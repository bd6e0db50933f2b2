import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HubClient } from '../../../../../activities/transform/packages/hub-registry';
import { installPackages } from '../../../../../activities/transform/packages/package-deps';
import { tmpDir } from '../../../../helpers/tmp';

/** A hub stand-in on 127.0.0.1 answering each path from `files`. */
async function hub(files: Record<string, Buffer | string>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const body = files[(req.url ?? '').split('?')[0]];
    res.writeHead(body === undefined ? 404 : 200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

const version = (name: string, tarball: string) => ({
  versions: { '1.0.0': { name, packages: [], downloads: { tarball } } },
});

/** What a hub (or a mirror set in DBT_PACKAGE_HUB_URL) answers can only install a package under dbt_packages/. */
describe('hub answers that could reach outside dbt_packages/', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('refuses a package name that is not a dbt project name (a path such as ..)', async () => {
    ({ server } = await hub({ '/api/v1/x/evil.json': JSON.stringify(version('..', 'http://127.0.0.1:1/t.tgz')) }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await expect(new HubClient(url, () => 'packages.yml').versions('x/evil')).rejects.toThrow(
      /version 1\.0\.0 names its package '\.\.', not a dbt project name/,
    );
  });

  it('refuses a tarball holding a symbolic link, and keeps a token in the URL out of the message', async () => {
    const dir = tmpDir('edp-hub-link-');
    mkdirSync(join(dir, 'pkg', 'macros'), { recursive: true });
    writeFileSync(join(dir, 'pkg', 'dbt_project.yml'), 'name: pkg\n');
    symlinkSync('/etc/passwd', join(dir, 'pkg', 'macros', 'x.sql'));
    expect(spawnSync('tar', ['-czf', join(dir, 'p.tgz'), '-C', dir, 'pkg']).status).toBe(0);
    const h = await hub({ '/p.tgz': readFileSync(join(dir, 'p.tgz')) });
    server = h.server;
    const signed = `${h.url}p.tgz?token=s3cret`;
    const err = await new HubClient(h.url, () => 'packages.yml').download('x/pkg', signed, dir).catch((e: Error) => e);
    expect(String(err)).toMatch(/holds an entry that is not a file or folder/);
    expect(String(err)).not.toMatch(/s3cret/);
  });

  it('refuses a local: package named by a hub package (a folder on this machine is not the hub to give)', async () => {
    const dir = tmpDir('edp-hub-local-');
    writeFileSync(join(dir, 'dbt_project.yml'), 'name: root\n');
    writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - package: x/pkg\n    version: 1.0.0\n');
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'dbt_project.yml'), 'name: elsewhere\n');
    const listing = version('pkg', 'http://127.0.0.1:1/t.tgz');
    listing.versions['1.0.0'].packages = [{ local: join(dir, 'elsewhere') }] as never[];
    const h = await hub({
      '/api/v1/index.json': JSON.stringify(['x/pkg']),
      '/api/v1/x/pkg.json': JSON.stringify(listing),
    });
    server = h.server;
    await expect(installPackages(dir, { env: { DBT_PACKAGE_HUB_URL: h.url } })).rejects.toThrow(
      'packages.yml: hub package x/pkg 1.0.0 (versions.1.0.0.packages[0]) names a local: package',
    );
    expect(existsSync(join(dir, 'dbt_packages', 'elsewhere'))).toBe(false);
  });
});

/** A git package's URL or revision is never read by git as an option. */
describe('git packages that look like options', () => {
  it.each([
    ['a URL', "git: '--upload-pack=touch PWNED'"],
    ['a revision', "git: 'https://127.0.0.1:1/x.git'\n    revision: '--upload-pack=touch PWNED'"],
  ])('refuses %s starting with -, running nothing', async (_what, entry) => {
    const dir = tmpDir('edp-git-option-');
    writeFileSync(join(dir, 'dbt_project.yml'), 'name: root\n');
    writeFileSync(join(dir, 'packages.yml'), `packages:\n  - ${entry}\n`);
    await expect(installPackages(dir, { env: {} })).rejects.toThrow(/a URL or revision may not start with '-'/);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  });
});
