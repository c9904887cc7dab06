#!/usr/bin/env node
// Builds dist/ (docs/package.md describes the layout):
// - dist/cjs: tsc's CommonJS build of src/ and generated/, with declarations and no source maps (the
//   sources do not ship, so maps would point nowhere).
// - dist/esm/index.mjs and dist/cjs/core.cjs: the isomorphic core (src/core.ts) as one real ES module (so
//   bundlers tree-shake it) and one CommonJS file, bundled by esbuild for any platform. The Node subpaths
//   keep tsc's files, so a process that loads the root and a subpath holds two copies of the engine; they
//   share no state but the default checker, which each compiles once.
// - dist/esm/<subpath>.mjs: the Node-only subpaths as ES modules that re-export the CommonJS build, which
//   keeps their worker-thread and file paths as tsc laid them out.
// - dist/esm/*.d.mts: the ESM declarations, re-exporting tsc's.
// The build goes to a fresh directory that replaces dist/ only when every step succeeds, so a failed build
// leaves the last good one.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ENTRIES } = require('./entries');

const root = path.join(__dirname, '..');
const next = path.join(root, '.dist-next');
fs.rmSync(next, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    require.resolve('typescript/bin/tsc'),
    '-p',
    path.join(root, 'tsconfig.json'),
    '--outDir',
    path.join(next, 'cjs'),
    '--sourceMap',
    'false',
  ],
  { stdio: 'inherit' },
);

// The shipped checker compiles generated/ruleset.ts and never reads rules/ at run time, so the build is where
// rules/ is validated (loadRuleSet: ajv against rules/schema/, cross-file references, check options), once,
// and where a rule set that no longer matches rules/ stops the build.
{
  const { loadRuleSet } = require(path.join(next, 'cjs/src/rules/load.js'));
  const { portableRuleSet } = require(path.join(next, 'cjs/src/rules/portable.js'));
  const { RULE_SET } = require(path.join(next, 'cjs/generated/ruleset.js'));
  const fresh = portableRuleSet(loadRuleSet(path.join(root, 'rules')));
  if (JSON.stringify(fresh) !== JSON.stringify(RULE_SET)) {
    console.error('generated/ruleset.ts does not match rules/; run `npm run generate`');
    process.exit(1);
  }
}

fs.mkdirSync(path.join(next, 'esm'), { recursive: true });
// The core once per format, each a single file: a cold start then reads one module instead of some thirty.
for (const [format, outfile] of [
  ['esm', 'esm/index.mjs'],
  ['cjs', 'cjs/core.cjs'],
]) {
  require('esbuild').buildSync({
    entryPoints: [path.join(root, 'src/core.ts')],
    outfile: path.join(next, outfile),
    bundle: true,
    format,
    platform: 'neutral',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
  });
}
for (const { name, source } of ENTRIES) {
  const cjs = `../cjs/${source.replace(/\.ts$/, '.js')}`;
  if (name !== '.') fs.writeFileSync(path.join(next, `esm/${name}.mjs`), `export * from '${cjs}';\n`);
  fs.writeFileSync(
    path.join(next, `esm/${name === '.' ? 'index' : name}.d.mts`),
    `export * from '${cjs}';\n`,
  );
}
const cli = path.join(next, 'cjs/src/cli/main.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
fs.renameSync(next, path.join(root, 'dist'));
