import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

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
});
