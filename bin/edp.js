#!/usr/bin/env node
// The `edp` command: runs the TypeScript CLI from a self-refreshing cache of transpiled files (bin/ts-cache.js),
// or through tsx when esbuild is missing, so there is no build step to forget.
if (!require('./ts-cache').register()) require('tsx/cjs');
require('../cli/main.ts');
