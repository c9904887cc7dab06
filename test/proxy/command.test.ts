/**
 * `obs-sse proxy` as a user runs it: the real CLI binary in its own process, in front of the stand-in,
 * recording a HAR that is complete (valid JSON) after SIGTERM and that `obs-sse lint` reads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run, type CliIo } from '../../src/cli/main';
import { fileInput, lint } from '../../src/lint';
import { startStandin } from '../../src/standin/server';
import { request } from './helpers';

const ROOT = join(__dirname, '..', '..');

function memoryIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: process.stdin,
    cwd: ROOT,
    env: {},
    out: () => out,
    err: () => err,
  };
}

test('obs-sse proxy --help prints the options; a bad flag is a usage error (exit 2)', async () => {
  const help = memoryIo();
  expect(await run(['proxy', '--help'], help)).toBe(0);
  expect(help.out()).toContain('--upstream-ca FILE');
  expect(help.out()).toContain('--dialect obs|s3|auto');
  const bad = memoryIo();
  expect(
    await run(['proxy', '--listen', '127.0.0.1:0', '--upstream', 'http://h', '--dialect', 'xml'], bad),
  ).toBe(2);
  expect(bad.err()).toContain("--dialect must be obs, s3 or auto, got 'xml'");
  const har = memoryIo();
  const args = [
    'proxy',
    '--listen',
    '127.0.0.1:0',
    '--upstream',
    'http://h',
    '--har',
    '/nonexistent/dir/x.har',
  ];
  expect(await run(args, har)).toBe(2);
  expect(har.err()).toContain("--har: cannot write '/nonexistent/dir/x.har'");
});

test('the CLI proxies, blocks with a reason, logs JSON lines and closes its HAR on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'obs-sse-proxy-cli-'));
  const harFile = join(dir, 'session.har');
  const standin = await startStandin();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      standin.url,
      '--har',
      harFile,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`proxy did not start: ${err}`)), 20_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    expect((await request(port, { method: 'PUT', path: '/demo' })).status).toBe(200);
    const blocked = await request(port, {
      method: 'PUT',
      path: '/demo/k.bin',
      headers: { 'x-obs-server-side-encryption': 'KMS', 'content-length': '2' },
      body: 'hi',
    });
    expect(blocked.status).toBe(400);
    expect(blocked.body).toContain('<Code>InvalidArgument</Code>');
    expect(blocked.body).toContain('value/not-allowed on x-obs-server-side-encryption');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await standin.close();
  }
  try {
    expect(err).toContain('SIGTERM: draining in-flight exchanges and closing');
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(['listening', 'exchange', 'exchange', 'closed']);
    expect(lines[2]).toMatchObject({
      verdict: 'blocked',
      operation: 'PutObject',
      status: 400,
      upstreamMs: null,
    });
    expect(standin.exchanges.map((e) => e.operation)).toEqual(['CreateBucket']);
    const har = JSON.parse(readFileSync(harFile, 'utf8')) as {
      log: { entries: Array<{ request: { url: string }; response: { status: number }; comment?: string }> };
    };
    expect(har.log.entries.map((e) => [e.request.url, e.response.status])).toEqual([
      [`${standin.url}/demo`, 200],
      [`${standin.url}/demo/k.bin`, 400],
    ]);
    expect(har.log.entries[1]?.comment).toBe('blocked by obs-sse proxy: value/not-allowed');
    // The recording is of the hop to OBS, so lint reaches the verdict the proxy reached.
    const linted = await lint([fileInput(harFile, 'session.har')]);
    expect(linted.findings.map((f) => [f.entry, f.code])).toEqual([[1, 'value/not-allowed']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
