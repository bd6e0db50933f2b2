// No Docker engine runs on this project's machines: these checks are what can be proven without one, that
// docker-compose.yml, the Dockerfile and .dockerignore agree with the repository and the CLI they package.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { COMMANDS, findCommand } from '../../../cli/commands';
import { WORKER_ROLES } from '../../../lib/config/schema';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../../lib/search-attributes';
import { loadConfig } from '../../../workers/config';

const ROOT = resolve(__dirname, '..', '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

interface ComposeService {
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: string[] | Record<string, string | null>;
  volumes?: string[];
}

const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
/** The services built from this repository: the ones running `edp`. */
const edpServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

/** Compose's `${NAME:-default}` interpolation, as it applies when NAME is unset. */
const withDefaults = (text: string): string => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

const envEntries = (s: ComposeService): Array<[string, string | undefined]> =>
  Array.isArray(s.environment)
    ? s.environment.map((e) =>
        e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, undefined],
      )
    : Object.entries(s.environment ?? {}).map(([k, v]) => [k, v ?? undefined]);

/** Each `COPY` of the build context (not `--from` another stage): its sources, relative to the context. */
const dockerfile = existsSync(join(ROOT, 'Dockerfile')) ? read('Dockerfile') : '';
const contextCopies = dockerfile
  .split('\n')
  .filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l))
  .flatMap((l) => l.trim().split(/\s+/).slice(1, -1))
  .filter((a) => !a.startsWith('--'));

/** Whether a .dockerignore line keeps `path` (relative, `/`-separated) out of the build context. */
function ignoredBy(patterns: string[], path: string): boolean {
  const segments = path.split('/');
  return patterns.some((p) => {
    const glob = new RegExp(
      `^${p
        .replace(/^\*\*\//, '')
        .replace(/\./g, '\\.')
        .replace(/\*/g, '[^/]*')}$`,
    );
    return p.startsWith('**/') ? segments.some((s) => glob.test(s)) : glob.test(segments[0]) || glob.test(path);
  });
}
const dockerignore = existsSync(join(ROOT, '.dockerignore'))
  ? read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
  : [];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('docker-compose.yml runs the platform from the repository Dockerfile', () => {
  it('has a worker service built from the Dockerfile in the repository', () => {
    const worker = compose.services.worker;
    expect(worker?.build).toBeDefined();
    for (const [, s] of edpServices) {
      const build = typeof s.build === 'string' ? { context: s.build } : s.build!;
      const file = join(ROOT, build.context ?? '.', build.dockerfile ?? 'Dockerfile');
      expect(relative(ROOT, file)).toBe('Dockerfile');
      expect(existsSync(file)).toBe(true);
    }
  });

  it('runs only edp commands and options the CLI registry has', () => {
    expect(edpServices.map(([name]) => name)).toEqual(expect.arrayContaining(['worker', 'console']));
    for (const [, s] of edpServices) {
      const args = Array.isArray(s.command) ? s.command : (s.command ?? 'worker').split(/\s+/);
      const command = findCommand(args[0]);
      expect(COMMANDS).toContain(command);
      for (const [i, arg] of args.entries()) {
        if (!arg.startsWith('--')) continue;
        expect(Object.keys(command!.options ?? {})).toContain(arg.slice(2));
        if (arg === '--role') expect(WORKER_ROLES).toContain(args[i + 1]);
      }
    }
    expect(compose.services.worker.command).toEqual(['worker', '--role', 'all']);
  });

  it('sets only EDP_* variables the config reads, and reads the config from a read-only mount', () => {
    expect(edpServices.length).toBeGreaterThan(0);
    for (const [, s] of edpServices) {
      const env = envEntries(s);
      for (const [name, value] of env) {
        expect(name).toMatch(/^EDP_/);
        // A reserved name or a config key loads; any other EDP_* name is refused as naming no key.
        expect(() =>
          loadConfig({ file: join(ROOT, 'edp.config.yaml'), cwd: ROOT, env: { [name]: value ?? 'x' } }),
        ).not.toThrow();
      }
      // Secrets pass through from the shell: no value of one is written in the compose file.
      expect(env.filter(([name, value]) => name !== 'EDP_CONFIG' && value !== undefined)).toEqual([]);
      const configPath = env.find(([name]) => name === 'EDP_CONFIG')?.[1];
      const mount = (s.volumes ?? []).map((v) => withDefaults(v).split(':')).find((v) => v[1] === configPath);
      expect(mount).toEqual(['./edp.config.yaml', configPath, 'ro']);
      expect(existsSync(join(ROOT, mount![0]))).toBe(true);
    }
  });

  it('starts the Temporal dev server with every search attribute the workflows set, as `edp up` does', () => {
    const args = compose.services.temporal.command as string[];
    const flags = args.filter((a) => a.startsWith('--search-attribute=')).map((a) => a.split('=').slice(1).join('='));
    expect(flags).toEqual([...SEARCH_ATTRIBUTE_FLAGS]);
  });
});

describe('the Dockerfile', () => {
  it('builds on node:20-slim and runs as an unprivileged user', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim\b/m);
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].pop()?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('copies sources that exist and that .dockerignore lets through, and no config or secret', () => {
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const source of contextCopies) {
      expect(existsSync(join(ROOT, source))).toBe(true);
      expect(ignoredBy(dockerignore, source.replace(/^\.\//, ''))).toBe(false);
    }
    expect(contextCopies).not.toContain('edp.config.yaml');
    expect(contextCopies).not.toContain('.');
  });

  it('keeps node_modules, state and build output out of the build context', () => {
    for (const path of ['node_modules', '.edp', 'dist', 'models/target', 'state', 'edp.config.yaml'])
      expect(ignoredBy(dockerignore, path)).toBe(true);
  });

  it('installs what bin/edp.js needs at run time without dev dependencies', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    // bin/ts-cache.js transpiles with esbuild (tsx's) and bin/edp.js falls back to tsx: both must survive --omit=dev.
    if (/npm ci[^\n]*--omit=dev/.test(dockerfile)) expect(Object.keys(pkg.dependencies)).toContain('tsx');
    expect(dockerfile).toMatch(/node bin\/ts-cache\.js --fill/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/edp\.js"\]/m);
  });

  it('copies every folder the CLI imports from, and the dbt project and rules the config names', () => {
    const copied = new Set(contextCopies.map((c) => c.replace(/^\.\//, '').split('/')[0]));
    const needed = new Set<string>();
    const pending = ['cli', 'console'].flatMap((d) => tsFiles(join(ROOT, d)));
    const seen = new Set<string>();
    while (pending.length) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      needed.add(relative(ROOT, file).split(sep)[0]);
      const specifiers = readFileSync(file, 'utf8').matchAll(
        /(?:from |import\(|require(?:\.resolve)?\()'(\.{1,2}\/[^']+)'/g,
      );
      for (const [, spec] of specifiers) {
        const target = resolve(dirname(file), spec);
        const candidates = [`${target}.ts`, join(target, 'index.ts'), target];
        const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
        if (hit?.endsWith('.ts')) pending.push(hit);
        else if (hit) needed.add(relative(ROOT, hit).split(sep)[0]);
      }
    }
    const { config } = loadConfig({ file: join(ROOT, 'edp.config.yaml'), cwd: ROOT, env: {} });
    for (const dir of [config.transform.projectDir, config.quality.rulesDir])
      needed.add(relative(ROOT, dir).split(sep)[0]);
    needed.add('bin');
    expect([...needed].filter((d) => !copied.has(d))).toEqual([]);
  });
});
