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

  describe('--rule and --config (parsed and validated as obs-sse lint does)', () => {
    const base = ['--listen', '127.0.0.1:1', '--upstream', 'http://h'];
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'obs-sse-main-rules-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const configFile = (name: string, content: unknown): string => {
      const file = path.join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    };

    test('--rule is repeatable and takes off, info, warning and error', () => {
      expect(
        parseProxyArgs([
          ...base,
          '--rule',
          'transport/https-required=warning',
          '--rule=sse-kms/project-id-unlisted=off',
          '--rule',
          'operation/unlisted-sse=error',
          '--rule',
          'header/unknown=info',
        ]).severity,
      ).toEqual({
        'transport/https-required': 'warning',
        'sse-kms/project-id-unlisted': 'off',
        'operation/unlisted-sse': 'error',
        'header/unknown': 'info',
      });
    });

    test("--config's rules apply, --rule adds to them and wins; lint-only keys are accepted", () => {
      const file = configFile('ok.json', {
        rules: { 'transport/https-required': 'off', 'header/unknown': 'warning' },
        failOn: 'warning',
        format: 'json',
      });
      expect(parseProxyArgs([...base, '--config', file]).severity).toEqual({
        'transport/https-required': 'off',
        'header/unknown': 'warning',
      });
      expect(
        parseProxyArgs([...base, '-c', file, '--rule', 'header/unknown=error', '--rule', 'dialect/mixed=off'])
          .severity,
      ).toEqual({ 'transport/https-required': 'off', 'header/unknown': 'error', 'dialect/mixed': 'off' });
    });

    test('no severity without --rule or with a config that sets no rules', () => {
      expect(parseProxyArgs(base)).not.toHaveProperty('severity');
      const file = configFile('no-rules.json', { dialect: 'obs' });
      expect(parseProxyArgs([...base, '--config', file])).not.toHaveProperty('severity');
    });

    test.each([
      [['--rule', 'header/bogus=off'], "--rule: unknown code 'header/bogus'; `obs-sse rules` lists them"],
      [
        ['--rule', 'transport/https-required=warn'],
        "--rule transport/https-required must be one of off, info, warning, error; got 'warn'",
      ],
      [
        ['--rule', 'transport/https-required'],
        "--rule takes CODE=SEVERITY, e.g. sse-kms/project-id-unlisted=off; got 'transport/https-required'",
      ],
    ])('%j is a usage error', (extra, message) => {
      expect(() => parseProxyArgs([...base, ...extra])).toThrow(UsageError);
      expect(() => parseProxyArgs([...base, ...extra])).toThrow(message);
    });

    test.each([
      [
        'bad-severity.json',
        { rules: { 'header/unknown': 'warn' } },
        ' at /rules/header~1unknown: must be equal to one of the allowed values: ["off","info","warning","error"]',
      ],
      [
        'bad-code.json',
        { rules: { 'header/bogus': 'off' } },
        ' at /rules/header~1bogus: unknown code "header/bogus"; `obs-sse rules` lists them',
      ],
      ['bad-key.json', { rule: {} }, ' at /: unknown property "rule"'],
      ['not-json.json', '{"rules": ', ': not valid JSON'],
    ])(
      'an invalid config file (%s) is a usage error naming --config, the file and the fault',
      (name, content, fault) => {
        const file = configFile(name, content);
        expect(() => parseProxyArgs([...base, '--config', file])).toThrow(UsageError);
        expect(() => parseProxyArgs([...base, '--config', file])).toThrow(
          `--config: invalid config: ${file}${fault}`,
        );
      },
    );

    test('a missing config file is a usage error', () => {
      const file = path.join(dir, 'missing.json');
      expect(() => parseProxyArgs([...base, '--config', file])).toThrow(
        `--config: invalid config: ${file}: cannot read the config file (ENOENT)`,
      );
    });
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
      '--rule CODE=off|info|warning|error',
      '--config FILE',
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
