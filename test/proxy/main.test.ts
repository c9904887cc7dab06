import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseProxyArgs, runProxy, UsageError, PROXY_USAGE } from '../../src/proxy/main';
import { createTestGuard } from './fixtures/test-guard';
import { request, startUpstream } from './helpers';

describe('parseProxyArgs', () => {
  test('parses every flag', () => {
    const args = parseProxyArgs([
      '--listen',
      '127.0.0.1:9000',
      '--upstream',
      'https://obs.cn-north-4.myhuaweicloud.com',
      '--mode',
      'report',
      '--har',
      'out.har',
      '--addressing',
      'virtual',
      '--public-host',
      'localhost',
      '--upstream-ca',
      'ca.pem',
      '--upstream-timeout',
      '5000',
    ]);
    expect(args).toEqual({
      listen: { host: '127.0.0.1', port: 9000 },
      upstream: new URL('https://obs.cn-north-4.myhuaweicloud.com'),
      mode: 'report',
      har: 'out.har',
      addressing: 'virtual',
      publicHost: 'localhost',
      upstreamCa: 'ca.pem',
      upstreamTimeout: 5000,
    });
  });

  test('defaults to enforce and path addressing; accepts bracketed IPv6 and --flag=value', () => {
    expect(parseProxyArgs(['--listen=[::1]:8080', '--upstream=http://127.0.0.1:9999'])).toEqual({
      listen: { host: '::1', port: 8080 },
      upstream: new URL('http://127.0.0.1:9999'),
      mode: 'enforce',
      addressing: 'path',
    });
  });

  test('reads --dialect obs|s3|auto', () => {
    const base = ['--listen', '127.0.0.1:1', '--upstream', 'http://h'];
    expect(parseProxyArgs([...base, '--dialect', 's3']).dialect).toBe('s3');
    expect(parseProxyArgs([...base, '--dialect=auto']).dialect).toBe('auto');
    expect(parseProxyArgs(base).dialect).toBeUndefined();
  });

  test.each([
    [['--listen', 'h:1', '--upstream', 'http://h', '--dialect', 'amz'], /--dialect must be obs, s3 or auto/],
    [['--listen', '127.0.0.1:1', '--upstream', 'http://h', '--bogus'], /Unknown option '--bogus'/],
    [['--listen', '127.0.0.1:1', '--upstream', 'http://h', 'extra'], /positional/i],
    [['--upstream', 'http://h'], /--listen HOST:PORT is required/],
    [['--listen', '127.0.0.1:1'], /--upstream URL is required/],
    [['--listen', '127.0.0.1', '--upstream', 'http://h'], /--listen must be HOST:PORT/],
    [['--listen', 'h:70000', '--upstream', 'http://h'], /--listen must be HOST:PORT/],
    [['--listen', 'h:1', '--upstream', 'ftp://h'], /must be http:\/\/ or https:\/\//],
    [['--listen', 'h:1', '--upstream', 'http://h/prefix'], /without path/],
    [['--listen', 'h:1', '--upstream', 'http://ak:sk@h'], /without path, query or credentials/],
    [['--listen', 'h:1', '--upstream', 'not a url'], /not a URL/],
    [['--listen', 'h:1', '--upstream', 'http://h', '--mode', 'block'], /--mode must be enforce or report/],
    [
      ['--listen', 'h:1', '--upstream', 'http://h', '--addressing', 'dns'],
      /--addressing must be path or virtual/,
    ],
    [
      ['--listen', 'h:1', '--upstream', 'http://h', '--public-host', 'x'],
      /only applies with --addressing virtual/,
    ],
    [['--listen', 'h:1', '--upstream', 'http://h', '--upstream-timeout', 'soon'], /positive integer/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseProxyArgs(argv)).toThrow(UsageError);
    expect(() => parseProxyArgs(argv)).toThrow(message);
  });

  test('the usage text lists every flag the parser accepts', () => {
    for (const flag of [
      '--listen',
      '--upstream',
      '--mode',
      '--har',
      '--addressing',
      '--public-host',
      '--upstream-ca',
      '--upstream-timeout',
      '--dialect',
    ]) {
      expect(PROXY_USAGE).toContain(flag);
    }
  });
});

describe('runProxy', () => {
  test('starts a listening proxy with the given guard and mode', async () => {
    const upstream = await startUpstream();
    const guard = createTestGuard();
    const logs: object[] = [];
    const { proxy, address, uninstall } = await runProxy(
      parseProxyArgs(['--listen', '127.0.0.1:0', '--upstream', upstream.url.href, '--mode', 'report']),
      guard,
      { signals: false, log: (l) => logs.push(l) },
    );
    try {
      expect(address.address).toBe('127.0.0.1');
      const res = await request(address.port, { path: '/b/k', headers: { 'x-test-block': '1' } });
      expect(res.status).toBe(200);
      expect(guard.calls.requests).toHaveLength(1);
      expect(logs[0]).toMatchObject({ event: 'listening', port: address.port, mode: 'report' });
    } finally {
      uninstall();
      await proxy.close();
      await upstream.close();
    }
  });

  test('reads --upstream-ca from disk and refuses unreadable files and an unwired --har', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'obs-sse-main-'));
    try {
      const base = ['--listen', '127.0.0.1:0', '--upstream', 'https://127.0.0.1:1'];
      await expect(
        runProxy(
          parseProxyArgs([...base, '--upstream-ca', path.join(dir, 'missing.pem')]),
          createTestGuard(),
          {
            signals: false,
          },
        ),
      ).rejects.toThrow(/--upstream-ca: cannot read/);
      await expect(
        runProxy(parseProxyArgs([...base, '--har', path.join(dir, 'x.har')]), createTestGuard(), {
          signals: false,
        }),
      ).rejects.toThrow(UsageError);
      writeFileSync(path.join(dir, 'junk.pem'), 'not a certificate');
      await expect(
        runProxy(parseProxyArgs([...base, '--upstream-ca', path.join(dir, 'junk.pem')]), createTestGuard(), {
          signals: false,
          log: () => undefined,
        }),
      ).rejects.toThrow(/upstreamCa contains no PEM certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
