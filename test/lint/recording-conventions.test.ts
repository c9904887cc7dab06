/**
 * How real recordings say things: absent headers written as `""`/`-`/`null`, entries without request
 * headers, keys hidden behind other tools' redaction markers, reverse proxies that record the upstream
 * URL with the client's authority in `Host`, endpoints other than OBS's public names, and logs taken
 * on a plain-HTTP hop in front of HTTPS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { lint, streamInput, type LintOptions, type LintResult } from '../../src/lint';
import { REDACTION_MARKERS } from '../../src/redact';
import { runCli } from '../cli/helpers';
import { H, md5b64, newKey, ssec } from '../helpers';

const OBS = 'photos.obs.cn-north-4.myhuaweicloud.com';
const ndjson = (lines: object[], options: LintOptions = {}): Promise<LintResult> =>
  lint(
    [streamInput(Readable.from([Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n'))]), 'log.ndjson')],
    options,
  );
const har = (
  entries: [method: string, url: string, headers: [string, string][]][],
  options: LintOptions = {},
) =>
  lint(
    [
      streamInput(
        Readable.from([
          Buffer.from(
            JSON.stringify({
              log: {
                version: '1.2',
                entries: entries.map(([method, url, headers]) => ({
                  request: { method, url, headers: headers.map(([name, value]) => ({ name, value })) },
                  response: { status: 200, headers: [] },
                })),
              },
            }),
          ),
        ]),
        'x.har',
      ),
    ],
    options,
  );
const codes = (r: LintResult): string[] => r.findings.map((f) => f.code);

describe('absent versus empty', () => {
  it('reads "", "-" and null header values in NDJSON as absent', async () => {
    const r = await ndjson(
      ['', '-', null].map((v) => ({
        method: 'PUT',
        url: `https://${OBS}/a.bin`,
        requestHeaders: { Host: OBS, [H.sse]: v, [H.cAlg]: v, [H.cKey]: v, [H.cMd5]: v, [H.kmsKey]: v },
        status: 200,
        responseHeaders: { [H.sse]: v, [H.cAlg]: v },
      })),
    );
    expect(r.inputErrors).toEqual([]);
    expect(r.summary).toMatchObject({ exchanges: 3, checked: 3, errors: 0, warnings: 0 });
  });

  it('keeps an empty value in a HAR, where it is what was sent', async () => {
    const r = await har([['PUT', `https://${OBS}/a.bin`, [[H.sse, '']]]]);
    expect(codes(r)).toEqual(['value/not-allowed']);
  });
});

describe('entries without request headers', () => {
  it('are skipped with their own reason, not counted as checked', async () => {
    const r = await har([
      ['PUT', `https://${OBS}/a.bin`, []],
      ['GET', `https://${OBS}/?acl`, []],
      ['PUT', `https://${OBS}/b.bin`, [['Host', OBS]]],
    ]);
    expect(r.summary).toMatchObject({
      exchanges: 3,
      checked: 1,
      skipped: { 'no-request-headers': 1, 'bucket-subresource': 1 },
    });
    const n = await ndjson([
      { method: 'PUT', url: `https://${OBS}/a.bin`, requestHeaders: { [H.sse]: '-' } },
    ]);
    expect(n.summary).toMatchObject({ checked: 0, skipped: { 'no-request-headers': 1 } });
  });

  it('still checks a pre-signed URL, whose SSE settings are in the query', async () => {
    const r = await har([['PUT', `https://${OBS}/a.bin?x-obs-server-side-encryption=KMS`, []]]);
    expect(r.summary).toMatchObject({ checked: 1 });
    expect(codes(r)).toEqual(['value/not-allowed']);
  });
});

describe('redaction markers', () => {
  const hidden = (marker: string): [string, string][] => [
    [H.cAlg, 'AES256'],
    [H.cKey, marker],
    [H.cMd5, md5b64(newKey())],
  ];

  it.each([...REDACTION_MARKERS, '*****', ' redacted ', '<REDACTED>'])(
    '%j means "a key was sent and hidden", never an invalid key',
    async (marker) => {
      const r = await har([['PUT', `https://${OBS}/a.bin`, hidden(marker)]]);
      expect(r.summary).toMatchObject({ checked: 1, errors: 0, warnings: 0 });
    },
  );

  it('hides the content, not the presence: a hidden key without its algorithm is still incomplete', async () => {
    const r = await har([['PUT', `https://${OBS}/a.bin`, [[H.cKey, '***']]]]);
    expect(new Set(codes(r))).toEqual(new Set(['sse-c/incomplete']));
  });

  it('covers a hidden key MD5 too, and only the marker: a real bad key is still judged', async () => {
    const key = newKey();
    const r = await har([
      [
        'PUT',
        `https://${OBS}/a.bin`,
        [
          [H.cAlg, 'AES256'],
          [H.cKey, key],
          [H.cMd5, '[FILTERED]'],
        ],
      ],
      [
        'PUT',
        `https://${OBS}/b.bin`,
        [
          [H.cAlg, 'AES256'],
          [H.cKey, 'not-a-key'],
          [H.cMd5, md5b64(key)],
        ],
      ],
    ]);
    expect(r.findings.map((f) => [f.entry, f.code])).toEqual([[1, 'sse-c/invalid-key']]);
  });

  it('takes more markers from the configuration', async () => {
    const entries: [string, string, [string, string][]][] = [
      ['PUT', `https://${OBS}/a.bin`, hidden('(hidden)')],
    ];
    expect(codes(await har(entries))).toContain('sse-c/invalid-key');
    expect(codes(await har(entries, { redactionMarkers: ['(hidden)'] }))).toEqual([]);
  });

  it('holds in `obs-sse check` as well, with and without a request line', async () => {
    const flags = hidden('[REDACTED]').flatMap(([n, v]) => ['-H', `${n}: ${v}`]);
    expect(await runCli(['check', '--op', 'PutObject', ...flags])).toMatchObject({ code: 0 });
    const msg = `PUT /photos/a.bin HTTP/1.1\nHost: 127.0.0.1\n${hidden('***')
      .map(([n, v]) => `${n}: ${v}`)
      .join('\n')}\n`;
    expect(await runCli(['check'], { stdin: msg })).toMatchObject({ code: 0 });
    const custom = [
      'check',
      '--op',
      'PutObject',
      ...hidden('<gone>').flatMap(([n, v]) => ['-H', `${n}: ${v}`]),
    ];
    expect((await runCli(custom)).code).toBe(1);
    expect(await runCli([...custom, '--redaction-marker', '<gone>'])).toMatchObject({ code: 0 });
  });
});

describe('authority', () => {
  // mitmproxy's har_dump in reverse mode: the URL is the upstream, the bucket only in Host.
  const reverse = (host: string, headers: [string, string][]): [string, string, [string, string][]] => [
    'PUT',
    'http://127.0.0.1:9000/2024/a.bin',
    [['Host', host], ...headers],
  ];

  it('comes from Host when it differs from the URL host, as reverse proxies record it', async () => {
    const r = await har([reverse(OBS, Object.entries(ssec()))]);
    expect(r.findings.map((f) => f.code)).toEqual(['transport/https-required']);
    expect(r.findings[0]?.operation).toBe('PutObject');
  });

  it('comes from :authority in an HTTP/2 recording', async () => {
    const r = await har([
      [
        'PUT',
        'https://127.0.0.1:9000/a.bin',
        [
          [':authority', OBS],
          [':method', 'PUT'],
          [H.sse, 'kms'],
        ],
      ],
    ]);
    expect(r.summary).toMatchObject({ checked: 1, errors: 0, warnings: 0 });
  });

  it('reads one recording with several addressing styles, given the endpoints', async () => {
    const put = (url: string, host?: string): [string, string, [string, string][]] => [
      'PUT',
      url,
      [...(host ? ([['Host', host]] as [string, string][]) : []), [H.sse, 'kms']],
    ];
    const entries = [
      put('https://photos.storage.corp.example/a.bin'), // virtual under an endpoint
      put('https://storage.corp.example/photos/a.bin'), // the endpoint itself: path-style
      put('https://10.0.0.5/photos/a.bin'), // an IP address: path-style
      put('https://photos.localhost:9000/a.bin'), // virtual under localhost
      put('https://vault.obs.cn-north-4.myhuaweicloud.com/a.bin'), // OBS's public names still count
      put('https://127.0.0.1:8080/a.bin', 'photos.storage.corp.example'), // reverse proxy
    ];
    const r = await har(entries, {
      endpoints: ['https://Storage.Corp.Example/', 'localhost'],
      keepExchanges: true,
    });
    expect(r.summary).toMatchObject({ exchanges: 6, checked: 6, errors: 0, warnings: 0 });
    expect(r.exchanges?.map((e) => e.operation)).toEqual(Array(6).fill('PutObject'));
    // Without the endpoints, the virtual-hosted ones read as CreateBucket of a bucket named "a.bin".
    const without = await har(entries, { keepExchanges: true });
    expect(without.exchanges?.map((e) => e.operation)).toEqual([
      'CreateBucket',
      'PutObject',
      'PutObject',
      'CreateBucket',
      'PutObject',
      'CreateBucket',
    ]);
  });
});

describe('transport', () => {
  const line = (extra: object = {}) => ({
    method: 'PUT',
    url: `http://${OBS}/a.bin`,
    requestHeaders: ssec(),
    ...extra,
  });

  it('--assume-scheme https judges the hop to OBS, not the one the log was taken on', async () => {
    expect(codes(await ndjson([line()]))).toEqual(['transport/https-required']);
    expect(codes(await ndjson([line()], { assumeScheme: 'https' }))).toEqual([]);
  });

  it('an exchange`s own scheme field wins over --assume-scheme and the URL', async () => {
    const r = await ndjson([line({ scheme: 'HTTPS' }), line({ scheme: 'http' }), line({ scheme: '-' })], {
      assumeScheme: 'https',
    });
    expect(r.findings.map((f) => [f.line, f.code])).toEqual([[2, 'transport/https-required']]);
  });

  it('rejects a scheme it does not know, naming the line', async () => {
    const r = await ndjson([line({ scheme: 'ftp' })]);
    expect(r.inputErrors.map((e) => e.message)).toEqual([
      expect.stringContaining('line 1: "scheme" must be "http" or "https"'),
    ]);
  });
});

describe('the lint command line', () => {
  it('takes --endpoint, --assume-scheme and --redaction-marker, and the same from the config file', async () => {
    const text = `${JSON.stringify({
      method: 'PUT',
      url: 'http://photos.storage.corp.example/a.bin',
      requestHeaders: { [H.cAlg]: 'AES256', [H.cKey]: '(hidden)', [H.cMd5]: md5b64(newKey()) },
    })}\n`;
    // Without them: a CreateBucket of bucket "a.bin" over HTTP with an invalid key.
    const bare = await runCli(['lint', '-f', 'json', '--no-config', '-'], { stdin: text });
    expect(bare.code).toBe(1);
    expect(JSON.parse(bare.stdout).findings[0]).toMatchObject({ operation: 'CreateBucket' });
    const flags = [
      '--endpoint',
      'storage.corp.example',
      '--assume-scheme',
      'https',
      '--redaction-marker',
      '(hidden)',
    ];
    const r = await runCli(['lint', '-f', 'json', '--no-config', ...flags, '-'], { stdin: text });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary).toMatchObject({ checked: 1, errors: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'obs-sse-config-'));
    try {
      writeFileSync(
        join(dir, 'obs-sse.config.json'),
        JSON.stringify({
          endpoints: ['storage.corp.example'],
          assumeScheme: 'https',
          redactionMarkers: ['(hidden)'],
        }),
      );
      const c = await runCli(['lint', '-f', 'json', '-'], { stdin: text, cwd: dir });
      expect(c.code).toBe(0);
      expect(JSON.parse(c.stdout).summary).toMatchObject({ checked: 1, errors: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
