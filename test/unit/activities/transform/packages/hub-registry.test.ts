import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HubClient } from '../../../../../activities/transform/packages/hub-registry';
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
});
