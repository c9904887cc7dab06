#!/usr/bin/env node
// Builds dist/: tsc emits CommonJS into dist/cjs, and a one-line ESM facade re-exports it, so that
// `import` and `require` share a single instance of the compiled checker.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')],
  {
    stdio: 'inherit',
  },
);
fs.mkdirSync(path.join(root, 'dist/esm'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist/esm/index.mjs'), "export * from '../cjs/src/index.js';\n");
const cli = path.join(root, 'dist/cjs/src/cli/main.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
