/**
 * The package's shape, from its sources and its build: the exports map lists every entry of
 * scripts/entries.js, the core's import graph holds no Node built-in and no dependency, and the shipped
 * declarations import only Node's types and the package's own dependencies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freshBin, ROOT } from '../support/dist';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ENTRIES } = require('../../scripts/entries') as { ENTRIES: { name: string; source: string }[] };
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
};

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\('([^']+)'\)|require\('([^']+)'\)/g;

function specifiers(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function resolveTs(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')])
    if (fs.existsSync(candidate)) return candidate;
  throw new Error(`${from}: cannot resolve ${spec}`);
}

test('package.json exports every entry of scripts/entries.js, import and require, types first', () => {
  for (const { name } of ENTRIES) {
    const key = name === '.' ? '.' : `./${name}`;
    const entry = pkg.exports[key] as Record<string, Record<string, string>>;
    expect(Object.keys(entry)).toEqual(['import', 'require']);
    expect(Object.keys(entry.import!)).toEqual(['types', 'default']);
    expect(Object.keys(entry.require!)).toEqual(['types', 'default']);
  }
  expect(pkg.exports).toHaveProperty(['./openapi.json']);
  expect(pkg.exports).toHaveProperty(['./schemas/*']);
});

test('the core (src/core.ts and everything it imports) imports no Node built-in and no package', () => {
  const seen = new Set<string>();
  const outside: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) visit(resolveTs(file, spec));
      else outside.push(`${path.relative(ROOT, file)} imports ${spec}`);
    }
  };
  visit(path.join(ROOT, 'src/core.ts'));
  expect(outside).toEqual([]);
  expect(seen.size).toBeGreaterThan(10);
});

test('the shipped declarations import only node: types and the dependencies, never undici types', async () => {
  await freshBin();
  const bad: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.d\.(m?)ts$/.test(e.name)) {
        for (const spec of specifiers(fs.readFileSync(full, 'utf8'))) {
          if (spec.startsWith('.') || spec.startsWith('node:')) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (name === 'undici' || !(name in pkg.dependencies))
            bad.push(`${path.relative(ROOT, full)}: ${spec}`);
        }
      }
    }
  };
  walk(path.join(ROOT, 'dist'));
  expect(bad).toEqual([]);
});
