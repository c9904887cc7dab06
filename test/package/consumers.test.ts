/**
 * The package as consumers get it: `npm pack`, installed (from the npm cache) into throwaway CommonJS, ESM,
 * TypeScript node16, TypeScript bundler, esbuild-for-Node and browser projects (test/package/consumers/).
 * Each validates a correct SSE-C map and one whose key MD5 belongs to another key; the browser bundle runs
 * in headless Chromium. publint and attw judge the same tarball.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { launchChromium } from '../support/chromium';
import { freshBin, ROOT } from '../support/dist';

jest.setTimeout(300_000);

const EXPECTED = [
  { valid: true, codes: [] },
  { valid: false, codes: ['sse-c/md5-mismatch'] },
];
const NODE_SUBPATHS = ['rules', 'guard', 'undici', 'proxy', 'lint', 'har', 'ajv'];
const tsc = require.resolve('typescript/bin/tsc');

let dir: string;
let tarball: string;

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const node = (file: string, cwd: string) => JSON.parse(run(process.execPath, [file], cwd));

/** esbuild --bundle --platform=node of a consumer's entry, next to it as out.cjs. */
async function bundleForNode(entry: string): Promise<string> {
  const outfile = path.join(dir, path.dirname(entry), 'out.cjs');
  await esbuild.build({
    entryPoints: [path.join(dir, entry)],
    bundle: true,
    platform: 'node',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

beforeAll(async () => {
  await freshBin();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-sse-consumers-'));
  // --ignore-scripts: prepare would rebuild what freshBin has just made sure is current.
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  tarball = path.join(dir, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
  fs.cpSync(path.join(__dirname, 'consumers'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  // One install serves every project below (each finds it walking up); the cache makes it offline-friendly.
  const typesVersion = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules/@types/node/package.json'), 'utf8'),
  ) as { version: string };
  const types = `@types/node@${typesVersion.version}`;
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, types], dir);
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('publint finds nothing to say about the package', () => {
  const out = run(path.join(ROOT, 'node_modules/.bin/publint'), [ROOT], ROOT);
  expect(out).toContain('All good!');
});

test('attw finds no problem in any entry point, under node10, node16 (CJS and ESM) and bundler', () => {
  const attw = path.join(ROOT, 'node_modules/.bin/attw');
  const r = spawnSync(attw, ['--format', 'json', tarball], { encoding: 'utf8' });
  const report = JSON.parse(r.stdout) as { analysis: { problems: unknown[]; entrypoints: object } };
  expect(report.analysis.problems).toEqual([]);
  expect(Object.keys(report.analysis.entrypoints)).toEqual(
    expect.arrayContaining(['.', ...NODE_SUBPATHS.map((p) => `./${p}`)]),
  );
  expect(r.status).toBe(0);
});

test('the tarball holds no sources, source maps or stand-in, and has a LICENSE', () => {
  const list = run('tar', ['-tzf', tarball], dir).split('\n');
  expect(list).toContain('package/LICENSE');
  expect(
    list.filter((f) => /\.map$|\/src\/.*\.ts$|standin|generated\/\w+\.ts$/.test(f) && !f.endsWith('.d.ts')),
  ).toEqual([]);
});

test('CommonJS: require() of the root and of every Node subpath', () => {
  const out = node('cjs/index.js', dir);
  expect(out.verdicts).toEqual(EXPECTED);
  for (const [name, count] of out.subpaths) expect([name, count > 0]).toEqual([name, true]);
  expect(out.openapi).toMatch(/^3\./);
});

test('ESM: import of the root (a real ES module, no default export) and of every Node subpath', () => {
  const out = node('esm/index.js', dir);
  expect(out.verdicts).toEqual(EXPECTED);
  expect(out.subpaths.map(([name]: [string]) => name)).toEqual(NODE_SUBPATHS);
  expect(out.default).toBe(false);
});

test('TypeScript node16 with skipLibCheck false: every entry compiles, the emitted ESM runs', () => {
  run(process.execPath, [tsc, '-p', 'ts-node16'], dir);
  const out = node('ts-node16/index.js', dir);
  expect(out.verdicts).toEqual(EXPECTED);
  expect(out.subpaths).toBe(8);
});

test('TypeScript node16: a default import is a compile-time error, not a crash at run time', () => {
  const r = spawnSync(process.execPath, [tsc, '-p', 'ts-node16/tsconfig.default.json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  expect(r.status).not.toBe(0);
  expect(r.stdout).toMatch(
    /default-import\.ts\(2,8\): error TS1192: Module '.*obs-sse-rules.*' has no default export/,
  );
});

test('TypeScript bundler resolution with skipLibCheck false compiles; its esbuild bundle runs', async () => {
  run(process.execPath, [tsc, '-p', 'ts-bundler'], dir);
  expect(node(await bundleForNode('ts-bundler/index.ts'), dir).verdicts).toEqual(EXPECTED);
});

test('esbuild for Node (a serverless build): the bundle runs where no rules/ directory exists', async () => {
  const outfile = await bundleForNode('esbuild-node/index.js');
  const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-sse-lambda-'));
  try {
    fs.copyFileSync(outfile, path.join(alone, 'index.cjs'));
    expect(node('index.cjs', alone).verdicts).toEqual(EXPECTED);
  } finally {
    fs.rmSync(alone, { recursive: true, force: true });
  }
});

test('browser: compiles without @types/node, bundles without shims, and judges in headless Chromium', async () => {
  run(process.execPath, [tsc, '-p', 'browser'], dir);
  const built = await esbuild.build({
    entryPoints: [path.join(dir, 'browser/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const bundle = built.outputFiles[0]!.text;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(`<!doctype html><title>…</title><script>${bundle}</script>`);
    await page.waitForFunction(() => document.title === 'done');
    expect(await page.evaluate(() => (globalThis as { verdicts?: unknown }).verdicts)).toEqual(EXPECTED);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
