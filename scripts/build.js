#!/usr/bin/env node
// Builds dist/: tsc emits CommonJS into dist/cjs, and a one-line ESM facade re-exports it, so that
// `import` and `require` share a single instance of the compiled checker. The build goes to a fresh
// directory that replaces dist/ only when tsc succeeds, so a failed build leaves the last good one.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

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
fs.writeFileSync(path.join(next, 'esm/index.mjs'), "export * from '../cjs/src/index.js';\n");
const cli = path.join(next, 'cjs/src/cli/main.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
fs.renameSync(next, path.join(root, 'dist'));
