/**
 * The package as consumers meet it, one run, medians and ratios:
 * - cold start: a fresh node process times require/import of the entry plus the first validateHeaders, for the
 *   core as built (rules compiled at build time, CJS and ESM) against the 0.1 way (rules read and validated
 *   with ajv at run time, loadRuleSet);
 * - MD5 of a 32-byte SSE-C key: the core's pure src/md5.ts against node:crypto;
 * - the core's browser bundle (esbuild, minified): bytes, and gzip bytes.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { md5 } from '../src/md5';

const ROOT = path.join(__dirname, '..');
const RUNS = Number(process.env.COLD_RUNS ?? 21);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const FIRST = `{ operation: 'PutObject', direction: 'request', headers: { 'x-obs-server-side-encryption': 'kms' } }`;
const CHILDREN: Record<string, { flag: string; code: string }> = {
  'core, CommonJS (dist/cjs/core.cjs)': {
    flag: '-e',
    code: `const t0 = performance.now(); const m = require(${JSON.stringify(path.join(ROOT, 'dist/cjs/core.cjs'))}); m.validateHeaders(${FIRST}); console.log(performance.now() - t0);`,
  },
  'core, ESM (dist/esm/index.mjs)': {
    flag: '--input-type=module',
    code: `const t0 = performance.now(); const m = await import(${JSON.stringify(path.join(ROOT, 'dist/esm/index.mjs'))}); m.validateHeaders(${FIRST}); console.log(performance.now() - t0);`,
  },
  'rules read and validated at run time (0.1)': {
    flag: '-e',
    code: `const t0 = performance.now(); const { Checker } = require(${JSON.stringify(path.join(ROOT, 'dist/cjs/src/engine/checker.js'))}); const { loadRuleSet } = require(${JSON.stringify(path.join(ROOT, 'dist/cjs/src/rules/load.js'))}); new Checker(loadRuleSet()).validate(${FIRST}); console.log(performance.now() - t0);`,
  },
};

function coldStart(): void {
  const samples = new Map<string, number[]>(Object.keys(CHILDREN).map((k) => [k, []]));
  // Interleaved, so that machine noise falls on every variant alike.
  for (let i = 0; i < RUNS; i++) {
    for (const [name, { flag, code }] of Object.entries(CHILDREN)) {
      const args = flag === '-e' ? ['-e', code] : [flag, '-e', code];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
      samples.get(name)!.push(Number(r.stdout.trim()));
    }
  }
  const baseline = median(samples.get('rules read and validated at run time (0.1)')!);
  console.log(`Cold start: require/import + first validateHeaders in a fresh node, median of ${RUNS}\n`);
  console.log('| entry | ms | ratio to run-time rules |\n|---|---:|---:|');
  for (const [name, xs] of samples) {
    console.log(`| ${name} | ${median(xs).toFixed(1)} | ${(median(xs) / baseline).toFixed(3)} |`);
  }
}

function md5Bench(): void {
  const keys = Array.from({ length: 256 }, () => crypto.randomBytes(32));
  let sink = 0;
  const variants: Record<string, () => void> = {
    'pure md5 (src/md5.ts)': () => {
      for (const k of keys) sink += md5(k)[0]!;
    },
    'node:crypto hash': () => {
      for (const k of keys) sink += crypto.hash('md5', k, 'buffer')[0]!;
    },
  };
  const samples = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < 60; round++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 20; i++) fn();
      samples.get(name)!.push(Number(process.hrtime.bigint() - t) / (20 * keys.length));
    }
  }
  const floor = median(samples.get('node:crypto hash')!);
  console.log(`\nMD5 of a 32-byte key, ns/op, median of 60 interleaved rounds (sink ${sink & 1})\n`);
  console.log('| implementation | ns/op | ratio to node:crypto |\n|---|---:|---:|');
  for (const [name, xs] of samples) {
    console.log(`| ${name} | ${median(xs).toFixed(0)} | ${(median(xs) / floor).toFixed(2)} |`);
  }
}

async function bundleSize(): Promise<void> {
  const r = await esbuild.build({
    entryPoints: [path.join(ROOT, 'src/core.ts')],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    write: false,
  });
  const code = r.outputFiles[0]!.contents;
  console.log(`\nCore browser bundle (esbuild --bundle --minify of the package root)\n`);
  console.log('| min | min+gzip |\n|---:|---:|');
  console.log(`| ${(code.length / 1024).toFixed(1)} kB | ${(gzipSync(code).length / 1024).toFixed(1)} kB |`);
}

coldStart();
md5Bench();
void bundleSize();
