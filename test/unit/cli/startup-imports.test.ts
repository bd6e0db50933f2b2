import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp';

const ROOT = join(__dirname, '..', '..', '..');

/** The packages a node process has loaded after running `script` from the project root with bin/ts-cache.js. */
function packagesLoadedBy(script: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `require('./bin/ts-cache').register(); ${script};
       const pkgs = Object.keys(require.cache).map((f) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean);
       console.log(JSON.stringify([...new Set(pkgs)]));`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(out) as string[];
}

/** The packages `edp <args>` has loaded when it exits, started as bin/edp.js starts it. */
function packagesLoadedByEdp(args: string[], env: Record<string, string> = {}): string[] {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `process.argv = [process.argv[0], 'edp', ...${JSON.stringify(args)}];
       process.on('exit', () => {
         const pkgs = Object.keys(require.cache).map((f) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean);
         process.stderr.write('\\nloaded: ' + JSON.stringify([...new Set(pkgs)]) + '\\n');
       });
       require('./bin/edp.js');`,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } },
  );
  const line = /^loaded: (.*)$/m.exec(r.stderr);
  if (!line) throw new Error(`edp ${args.join(' ')} printed no package list: ${r.stderr}`);
  return JSON.parse(line[1]) as string[];
}

const TEMPORAL_AND_DRIVERS = [
  '@temporalio/client',
  '@temporalio/common',
  '@temporalio/activity',
  '@temporalio/worker',
  '@temporalio/proto',
  '@grpc/grpc-js',
  '@duckdb/node-api',
  'snowflake-sdk',
  'kafkajs',
  'pg',
];

describe('what `edp` loads before it knows the command', () => {
  // Help and usage errors must answer in a blink: a command file imports its implementation inside run().
  it('the command registry and the help load no Temporal, warehouse, Kafka or PostgreSQL package', () => {
    const loaded = packagesLoadedBy(
      "const { COMMANDS } = require('./cli/commands'); require('./cli/help').overviewHelp(COMMANDS)",
    );
    for (const heavy of ['@temporalio/client', '@temporalio/worker', '@temporalio/proto', '@duckdb/node-api'])
      expect(loaded).not.toContain(heavy);
    for (const heavy of ['snowflake-sdk', 'kafkajs', 'pg', 'zod', 'yaml']) expect(loaded).not.toContain(heavy);
  });

  it("loading the config loads neither Temporal's client, its worker nor its protobuf definitions", () => {
    const loaded = packagesLoadedBy("require('./workers/config').loadConfig({ env: {} })");
    for (const heavy of ['@temporalio/client', '@temporalio/worker', '@temporalio/proto'])
      expect(loaded).not.toContain(heavy);
  });

  // The whole start, main.ts included: its error handler once loaded Temporal's client and DuckDB for --help.
  it('edp --help, an unknown command and an unknown option load nothing but esbuild’s version', () => {
    for (const args of [['--help'], ['nosuch'], ['run', '--bogus']]) {
      expect(packagesLoadedByEdp(args)).toEqual(['esbuild']);
    }
  });

  it('edp query loads the config and the warehouse driver, not Temporal, gRPC or the other drivers', () => {
    const state = tmpDir('edp-startup-');
    const loaded = packagesLoadedByEdp(['query', 'select 42'], { EDP_STATE_DIR: state });
    expect(loaded).toEqual(expect.arrayContaining(['yaml', 'zod', '@duckdb/node-api']));
    for (const heavy of TEMPORAL_AND_DRIVERS.filter((p) => p !== '@duckdb/node-api'))
      expect(loaded).not.toContain(heavy);
  });
});
