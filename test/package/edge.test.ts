/**
 * The core as an edge runtime runs it (Cloudflare Workers, Vercel Edge, Deno Deploy): the single-file core
 * build (dist/cjs/core.cjs, bundled by esbuild for the neutral platform) evaluated in a fresh V8 context that
 * has only JavaScript's own globals plus the Web APIs those runtimes share, and none of Node's (`require`,
 * `process`, `Buffer`, `global`). Any use of a Node API makes it throw here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';

import { freshBin, ROOT } from '../support/dist';

interface Core {
  validateHeaders(options: unknown): { valid: boolean; diagnostics: { code: string }[] };
  sseCHeaders(key: Uint8Array): Record<string, string>;
}

let core: Core;
let context: object;

beforeAll(async () => {
  await freshBin();
  const source = readFileSync(join(ROOT, 'dist', 'cjs', 'core.cjs'), 'utf8');
  const module = { exports: {} as Core };
  // Only what an edge runtime offers beyond the language itself.
  context = createContext({ module, exports: module.exports, TextEncoder, TextDecoder, URL, console });
  runInContext(`(function (module, exports) {${source}\n})(module, exports);`, context, {
    filename: 'core.cjs',
  });
  core = module.exports;
}, 300_000);

it('has no Node global to lean on', () => {
  const probe = createContext({});
  expect(runInContext('[typeof require, typeof process, typeof Buffer, typeof global].join()', probe)).toBe(
    'undefined,undefined,undefined,undefined',
  );
});

it('judges a correct SSE-C map valid and a mismatched MD5 invalid, as under Node', () => {
  // Made inside the context: its Uint8Array is not the host's.
  const key = runInContext('new Uint8Array(32).map((_, i) => i * 7 + 1)', context) as Uint8Array;
  const headers = core.sseCHeaders(key);
  const ok = core.validateHeaders({ operation: 'PutObject', direction: 'request', headers, scheme: 'https' });
  expect(ok.valid).toBe(true);
  const wrong = { ...headers };
  const md5Name = Object.keys(wrong).find((n) => /key-md5$/i.test(n))!;
  wrong[md5Name] = 'AAAAAAAAAAAAAAAAAAAAAA==';
  const bad = core.validateHeaders({
    operation: 'PutObject',
    direction: 'request',
    headers: wrong,
    scheme: 'https',
  });
  expect(bad.valid).toBe(false);
  expect(bad.diagnostics.map((d) => d.code)).toContain('sse-c/md5-mismatch');
});

it('refuses a wrong encryption value with a did-you-mean', () => {
  const r = core.validateHeaders({
    operation: 'PutObject',
    direction: 'request',
    headers: { 'x-obs-server-side-encryption': 'KMS' },
  });
  expect(r.valid).toBe(false);
  expect(r.diagnostics.length).toBeGreaterThan(0);
});
