/**
 * The built binary (`bin.obs-sse` → dist/cjs/src/cli/main.js), run as users run it: through node, with
 * real pipes, and with the worker threads of the compiled build. dist/ is built by `npm ci` (prepare);
 * when it is missing or older than its sources, this test builds it (test/support/dist.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BIN, freshBin, ROOT } from '../support/dist';

let dir: string;
beforeAll(async () => {
  await freshBin();
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-bin-'));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const obsSse = (args: string[], input?: string) =>
  spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });

it('is an executable node script', () => {
  expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect(statSync(BIN).mode & 0o111).not.toBe(0);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  expect(join(ROOT, pkg.bin['obs-sse'] ?? '')).toBe(BIN);
});

it('lints the example gateway log to JSON with exit code 1', () => {
  const r = obsSse(['lint', '-f', 'json', 'examples/gateway.ndjson']);
  expect(r.status).toBe(1);
  const doc = JSON.parse(r.stdout) as { summary: { errors: number; warnings: number }; findings: unknown[] };
  expect(doc.summary).toMatchObject({ errors: 7, warnings: 2 });
  expect(r.stderr).toBe('');
});

it('reads standard input through a pipe', () => {
  const r = obsSse(
    ['lint', '-'],
    readFileSync(join(ROOT, 'test', 'fixtures', 'cli', '_inputs', 'session.har'), 'utf8'),
  );
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/^<stdin>\n {2}entry 1 {2}POST /);
});

it('exits 2 with a short usage on a bad flag', () => {
  const r = obsSse(['lint', '--nope', 'x.har']);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    "obs-sse: Unknown option '--nope'\nUsage: obs-sse lint [options] <file...>     (- reads standard input)\nRun `obs-sse lint --help` for the options.\n",
  );
});

it('writes a large report to a pipe in full, and worker threads agree with one thread', () => {
  const lines: string[] = [];
  for (let i = 0; i < 6000; i++) {
    lines.push(
      JSON.stringify({
        method: 'PUT',
        url: `https://b.obs.cn-north-4.myhuaweicloud.com/k${i}`,
        requestHeaders: { 'x-obs-server-side-encryption': i % 2 ? 'kms' : 'KMS' },
      }),
    );
  }
  const file = join(dir, 'many.ndjson');
  writeFileSync(file, lines.join('\n'));
  const one = obsSse(['lint', '-f', 'json', '--jobs', '1', file]);
  const three = obsSse(['lint', '-f', 'json', '--jobs', '3', file]);
  expect(one.status).toBe(1);
  expect(JSON.parse(one.stdout)).toMatchObject({ summary: { exchanges: 6000, errors: 3000 } });
  expect(three.stdout).toBe(one.stdout);
});
