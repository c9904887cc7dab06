/**
 * `obs-sse proxy` as a user runs it: the real CLI binary in its own process, in front of the stand-in,
 * recording a HAR that is complete (valid JSON) after SIGTERM and that `obs-sse lint` reads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run, type CliIo } from '../../src/cli/main';
import { fileInput, lint } from '../../src/lint';
import { startProxyCommand } from '../../src/proxy/command';
import { parseProxyArgs } from '../../src/proxy/main';
import { sseCHeaders } from '../../src/sse-c';
import { startStandin } from '../../src/standin/server';
import {
  eventually,
  request,
  startCliProxy,
  startUpstream,
  type ClientResponse,
  type Upstream,
} from './helpers';

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

test('--rule and --config mistakes are usage errors (exit 2) naming the option and the bad value', async () => {
  const base = ['proxy', '--listen', '127.0.0.1:0', '--upstream', 'http://h'];
  const badCode = memoryIo();
  expect(await run([...base, '--rule', 'transport/https=off'], badCode)).toBe(2);
  expect(badCode.err()).toContain(
    "obs-sse proxy: --rule: unknown code 'transport/https'; `obs-sse rules` lists them",
  );
  const badSeverity = memoryIo();
  expect(await run([...base, '--rule', 'transport/https-required=allow'], badSeverity)).toBe(2);
  expect(badSeverity.err()).toContain(
    "--rule transport/https-required must be one of off, info, warning, error; got 'allow'",
  );
  const badConfig = memoryIo();
  const notAConfig = join(ROOT, 'package.json');
  expect(await run([...base, '--config', notAConfig], badConfig)).toBe(2);
  expect(badConfig.err()).toContain(`--config: invalid config: ${notAConfig} at /: unknown property`);
  expect(badConfig.err()).toContain('Run `obs-sse proxy --help` for the options.');
});

describe('--rule and --config severities reach the guard', () => {
  // An SSE-C PutObject with a correct key: over the http:// upstream stand-in its only finding is
  // transport/https-required, an error that blocks by default.
  const sseC = sseCHeaders(Buffer.alloc(32, 7));
  let upstream: Upstream;
  let dir: string;
  beforeAll(async () => {
    upstream = await startUpstream();
    dir = mkdtempSync(join(tmpdir(), 'obs-sse-proxy-rules-'));
  });
  afterAll(async () => {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `obs-sse proxy` with `extra` flags in process, sends one request, and returns what happened. */
  async function exchange(
    extra: string[],
    req: { method: string; path: string; headers: Record<string, string> },
  ): Promise<{ res: ClientResponse; line: Record<string, unknown>; forwarded: number }> {
    const before = upstream.received.length;
    const logs: Array<Record<string, unknown>> = [];
    const command = await startProxyCommand(
      parseProxyArgs(['--listen', '127.0.0.1:0', '--upstream', upstream.url.href, ...extra]),
      { log: (l) => logs.push(l as Record<string, unknown>), signals: false },
    );
    try {
      const res = await request(command.address.port, {
        ...req,
        headers: { ...req.headers, 'content-length': '2' },
        body: 'hi',
      });
      expect(await eventually(() => logs.some((l) => l.event === 'exchange'))).toBe(true);
      const line = logs.find((l) => l.event === 'exchange')!;
      return { res, line, forwarded: upstream.received.length - before };
    } finally {
      expect(await command.stop(1000)).toBe(0);
    }
  }

  const putSseC = { method: 'PUT', path: '/b/secret.bin', headers: sseC };

  test('by default transport/https-required blocks an SSE-C request to an http upstream', async () => {
    const { res, line, forwarded } = await exchange([], putSseC);
    expect(res.status).toBe(400);
    expect(res.body).toContain('[transport/https-required]');
    expect(forwarded).toBe(0);
    expect(line).toMatchObject({ verdict: 'blocked', codes: ['transport/https-required'] });
  });

  test('--rule CODE=warning lets it through to the upstream, and the log line still lists the code', async () => {
    const { res, line, forwarded } = await exchange(['--rule', 'transport/https-required=warning'], putSseC);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(forwarded).toBe(1);
    const got = upstream.received.at(-1)!;
    expect(got).toMatchObject({ method: 'PUT', url: '/b/secret.bin', bodyBytes: 2 });
    expect(got.headers['x-obs-server-side-encryption-customer-algorithm']).toBe('AES256');
    expect(got.headers['x-obs-server-side-encryption-customer-key-md5']).toBe(
      sseC['x-obs-server-side-encryption-customer-key-MD5'],
    );
    expect(line).toMatchObject({
      verdict: 'pass',
      operation: 'PutObject',
      status: 200,
      codes: ['transport/https-required'],
      diagnostics: [{ code: 'transport/https-required', severity: 'warning' }],
    });
  });

  test("--config's rules apply (off drops the code) and --rule wins over them", async () => {
    const config = join(dir, 'obs-sse.config.json');
    writeFileSync(config, JSON.stringify({ rules: { 'transport/https-required': 'off' } }));
    const off = await exchange(['--config', config], putSseC);
    expect(off.res.status).toBe(200);
    expect(off.forwarded).toBe(1);
    expect(off.line).toMatchObject({ verdict: 'pass', codes: [] });
    const back = await exchange(['--config', config, '--rule', 'transport/https-required=error'], putSseC);
    expect(back.res.status).toBe(400);
    expect(back.forwarded).toBe(0);
    expect(back.line).toMatchObject({ verdict: 'blocked', codes: ['transport/https-required'] });
  });

  test('--rule CODE=error makes a warning block', async () => {
    // An SSE header on an operation outside the SSE tables is only a warning by default.
    const del = {
      method: 'DELETE',
      path: '/b/k',
      headers: { 'x-obs-server-side-encryption': 'AES256' },
    };
    const dflt = await exchange([], del);
    expect(dflt.res.status).toBe(200);
    expect(dflt.line).toMatchObject({ verdict: 'pass', codes: ['operation/unlisted-sse'] });
    const strict = await exchange(['--rule', 'operation/unlisted-sse=error'], del);
    expect(strict.res.status).toBe(400);
    expect(strict.forwarded).toBe(0);
    expect(strict.line).toMatchObject({ verdict: 'blocked', codes: ['operation/unlisted-sse'] });
  });
});

test('the CLI proxies, blocks with a reason, logs JSON lines and closes its HAR on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'obs-sse-proxy-cli-'));
  const harFile = join(dir, 'session.har');
  const standin = await startStandin();
  const proxy = await startCliProxy(
    ['--import', 'tsx', 'src/cli/main.ts'],
    ['--upstream', standin.url, '--har', harFile],
  ).catch(async (err: unknown) => {
    await standin.close();
    throw err;
  });
  const { child, port } = proxy;
  try {
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
    expect((await proxy.exited).code).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await standin.close();
  }
  try {
    expect(proxy.stderr()).toContain('SIGTERM: draining in-flight exchanges and closing');
    const lines = proxy
      .stdout()
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
