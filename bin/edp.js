#!/usr/bin/env node
// The `edp` command: runs the TypeScript CLI from a self-refreshing cache of transpiled files (bin/ts-cache.js),
// so there is no build step to forget. Without esbuild (it comes with tsx) it runs the CLI under tsx, whose
// ESM loader handles the commands' lazy import()s, in a child process.
const path = require('node:path');
const main = path.join(__dirname, '..', 'cli', 'main.ts');
if (require('./ts-cache').register()) {
  require(main);
} else {
  const args = ['--import', 'tsx', main, ...process.argv.slice(2)];
  const r = require('node:child_process').spawnSync(process.execPath, args, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
