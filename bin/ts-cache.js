// Runs the TypeScript sources from a cache of esbuild-transpiled JavaScript in dist/, so `edp` starts in
// a fraction of a second instead of compiling through tsx at every start. Each file is transpiled alone
// (no bundling): __dirname, require.resolve('../workflows') and the worker's workflow bundling see the
// sources exactly as under tsx. A cached file is used only while its header matches the source's size and
// mtime and the esbuild version, so the cache cannot go stale; a miss transpiles and rewrites that file.
// `npm install` fills the whole cache (`prepare`); without esbuild, bin/edp.js runs the CLI under tsx instead.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, 'dist');
const SOURCE_DIRS = ['cli', 'lib', 'workers', 'activities', 'infra', 'workflows', 'quality', 'bench'];

/**
 * esbuild's version (part of every cache header) and, loaded only at the first cache miss, esbuild itself:
 * a start from a filled cache reads one package.json instead of loading esbuild. Undefined without esbuild.
 */
function esbuildOnDemand() {
  let version;
  try {
    version = require('esbuild/package.json').version;
  } catch {
    return undefined;
  }
  let loaded;
  return { version, transformSync: (...args) => (loaded ??= require('esbuild')).transformSync(...args) };
}

/** Changes whenever the transpile options below do, so a cache written with other options is refilled. */
const OPTIONS_VERSION = 2;

function header(esbuild, stat) {
  return `//edp-ts-cache esbuild=${esbuild.version} options=${OPTIONS_VERSION} size=${stat.size} mtime=${stat.mtimeMs}\n`;
}

function cachePath(file) {
  return path.join(CACHE, `${path.relative(ROOT, file)}.js`);
}

function transpile(esbuild, file, source) {
  return esbuild.transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcefile: file,
    // Stack traces name the .ts file and line; the map need not carry the source itself (half its size,
    // decoded at every start).
    sourcemap: 'inline',
    sourcesContent: false,
    // import() of a .ts file must go through require (and so through this hook), as tsc's CommonJS output does.
    supported: { 'dynamic-import': false },
  }).code;
}

/** The JavaScript for one .ts file: from the cache when it matches the source, else transpiled and cached. */
function compiled(esbuild, file) {
  const stat = fs.statSync(file);
  const head = header(esbuild, stat);
  const target = cachePath(file);
  try {
    const cached = fs.readFileSync(target, 'utf8');
    if (cached.startsWith(head)) return cached.slice(head.length);
  } catch {
    // not cached yet
  }
  const code = transpile(esbuild, file, fs.readFileSync(file, 'utf8'));
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Write then rename: two `edp` processes starting at once never read half a file.
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, head + code);
    fs.renameSync(tmp, target);
  } catch {
    // A read-only checkout still runs, transpiling at each start.
  }
  return code;
}

/** Makes require() load .ts files through the cache; returns false when esbuild is missing (use tsx then). */
function register() {
  const esbuild = esbuildOnDemand();
  if (!esbuild) return false;
  process.setSourceMapsEnabled(true);
  require.extensions['.ts'] = function loadTs(module, filename) {
    if (filename.includes(`${path.sep}node_modules${path.sep}`)) {
      throw new Error(`edp: cannot load TypeScript from node_modules: ${filename}`);
    }
    module._compile(compiled(esbuild, filename), filename);
  };
  return true;
}

function tsFiles(dir) {
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  return entries.flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Transpiles every source file into the cache (npm's `prepare`), so even the first `edp` starts fast. */
function fill() {
  const esbuild = esbuildOnDemand();
  if (!esbuild) return 0;
  const files = SOURCE_DIRS.flatMap((d) => tsFiles(path.join(ROOT, d)));
  for (const file of files) compiled(esbuild, file);
  return files.length;
}

module.exports = { register, fill };

if (require.main === module && process.argv[2] === '--fill') {
  const started = Date.now();
  const n = fill();
  console.log(`edp: ${n} TypeScript files transpiled into dist/ in ${Date.now() - started} ms`);
}
