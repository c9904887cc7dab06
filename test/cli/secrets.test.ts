/**
 * No customer key and no query-string credential reaches any output: every format, stdout and stderr,
 * for keys where they belong, where they do not (a wrong header, a misspelt one, a response, a
 * pre-signed URL, a form field) and for credentials in headers and URLs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H, S3 } from '../helpers';
import { runCli } from './helpers';

const key = (bytes = 32): string => randomBytes(bytes).toString('base64');
const md5 = (k: string): string => createHash('md5').update(Buffer.from(k, 'base64')).digest('base64');

const KEYS = {
  target: key(),
  source: key(),
  s3: key(),
  short: key(16),
  wrongHeader: key(),
  misspelt: key(),
  inResponse: key(),
  presigned: key(),
  form: key(),
  rawCheck: key(),
};
const CREDENTIALS = {
  signature: 'c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ',
  accessKey: 'AKIDSECRETACCESSKEY0',
  token: 'securitytokensecretvalue12345',
  amzCredential: 'AKIDAMZCREDENTIAL01/20240506/cn-north-4/s3/aws4_request',
  amzSignature: 'feedfacecafebeef0123456789abcdef0123456789abcdef0123456789abcdef',
  authorization: 'OBS AKIDSECRETACCESSKEY0:c2VjcmV0LWF1dGgtc2lnbmF0dXJl',
};
const SECRETS = [...Object.values(KEYS), ...Object.values(CREDENTIALS)];
// Every spelling a secret could take in output: as is, percent-encoded, JSON- and XML-escaped.
const SPELLINGS = SECRETS.flatMap((s) => [
  s,
  encodeURIComponent(s),
  JSON.stringify(s).slice(1, -1),
  s.replace(/\//g, '\\/'),
]);

const HOST = 'https://vault.obs.cn-north-4.myhuaweicloud.com';
const entry = (
  method: string,
  url: string,
  headers: [string, string][],
  res: [string, string][] = [],
  postData?: unknown,
) => ({
  request: {
    method,
    url,
    headers: headers.map(([name, value]) => ({ name, value })),
    ...(postData ? { postData } : {}),
  },
  response: { status: 200, headers: res.map(([name, value]) => ({ name, value })) },
});
const ENTRIES = [
  entry('PUT', `${HOST}/a.bin`, [
    ['Authorization', CREDENTIALS.authorization],
    ['x-obs-security-token', CREDENTIALS.token],
    [H.cAlg, 'AES256'],
    [H.cKey, KEYS.target],
    [H.cMd5, md5(KEYS.source)],
    [H.srcAlg, 'AES256'],
    [H.srcKey, KEYS.source],
    [H.srcMd5, md5(KEYS.target)],
    ['x-obs-copy-source', '/vault/b.bin'],
  ]),
  entry('PUT', 'http://127.0.0.1/vault/c.bin', [
    [S3.cAlg, 'AES128'],
    [S3.cKey, KEYS.s3],
    [S3.cMd5, md5(KEYS.s3)],
  ]),
  entry('PUT', `${HOST}/d.bin`, [
    [H.cAlg, 'AES256'],
    [H.cKey, KEYS.short],
    [H.cMd5, md5(KEYS.short)],
  ]),
  entry('PUT', `${HOST}/e.bin`, [
    [H.sse, KEYS.wrongHeader],
    ['x-obs-server-side-encryption-customer-kye', KEYS.misspelt],
  ]),
  entry(
    'GET',
    `${HOST}/f.bin`,
    [['Accept', '*/*']],
    [
      [H.cAlg, 'AES256'],
      [H.cKey, KEYS.inResponse],
      [H.cMd5, md5(KEYS.inResponse)],
    ],
  ),
  entry(
    'PUT',
    `${HOST}/g.bin?AccessKeyId=${CREDENTIALS.accessKey}&Signature=${CREDENTIALS.signature}&x-obs-security-token=${CREDENTIALS.token}` +
      `&x-obs-server-side-encryption-customer-key=${encodeURIComponent(KEYS.presigned)}&x-obs-server-side-encryption-customer-algorithm=AES128`,
    [],
  ),
  entry(
    'PUT',
    `http://127.0.0.1/vault/h.bin?X-Amz-Credential=${encodeURIComponent(CREDENTIALS.amzCredential)}&X-Amz-Signature=${CREDENTIALS.amzSignature}&X-Amz-Security-Token=${CREDENTIALS.token}`,
    [[S3.sse, 'aws:KMS']],
  ),
  entry('POST', `${HOST}/`, [['Content-Type', 'multipart/form-data; boundary=x']], [], {
    mimeType: 'multipart/form-data; boundary=x',
    params: [
      { name: 'key', value: 'i.bin' },
      { name: 'signature', value: CREDENTIALS.signature },
      { name: H.cAlg, value: 'AES512' },
      { name: H.cKey, value: KEYS.form },
    ],
  }),
];

let dir: string;
let harFile: string;
let ndjsonFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-secrets-'));
  harFile = join(dir, 'secrets.har');
  ndjsonFile = join(dir, 'secrets.ndjson');
  writeFileSync(harFile, JSON.stringify({ log: { version: '1.2', entries: ENTRIES } }));
  writeFileSync(
    ndjsonFile,
    ENTRIES.map((e) =>
      JSON.stringify({
        method: e.request.method,
        url: e.request.url,
        requestHeaders: e.request.headers,
        postData: e.request.postData,
        status: e.response.status,
        responseHeaders: e.response.headers,
      }),
    ).join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectNoSecrets(label: string, text: string): void {
  const leaked = SPELLINGS.filter((s) => text.includes(s));
  expect({ label, leaked }).toEqual({ label, leaked: [] });
}

it('the leak check catches every spelling of a secret', () => {
  for (const text of [KEYS.target, encodeURIComponent(KEYS.form), JSON.stringify({ k: KEYS.presigned })]) {
    expect(() => expectNoSecrets('planted', `before ${text} after`)).toThrow();
  }
});

it('the inputs really carry the secrets, and the checks really fire on them', async () => {
  const r = await runCli(['lint', '-f', 'json', harFile]);
  const codes = new Set(
    (JSON.parse(r.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code),
  );
  for (const code of [
    'sse-c/md5-mismatch',
    'sse-c/invalid-key',
    'value/not-allowed',
    'header/unknown',
    'sse-c/key-in-response',
    'transport/https-required',
  ]) {
    expect(codes).toContain(code);
  }
  expect(ENTRIES.map((e) => JSON.stringify(e)).join('')).toContain(KEYS.target);
});

describe.each(['stylish', 'json', 'sarif', 'junit'])('lint --format %s', (format) => {
  it.each(['har', 'ndjson'])('prints no key and no credential from a %s input', async (kind) => {
    const file = kind === 'har' ? harFile : ndjsonFile;
    for (const extra of [[], ['--color'], ['--jobs', '1', '--fail-on', 'never']]) {
      const r = await runCli(['lint', '-f', format, ...extra, file]);
      expect(r.code).toBe(extra.includes('never') ? 0 : 1);
      expectNoSecrets(`${format} ${kind} ${extra.join(' ')}`, r.stdout + r.stderr);
    }
  });
});

it('check prints no key from raw HTTP or -H, in either format', async () => {
  const raw = [
    'PUT /vault/j.bin?Signature=' + CREDENTIALS.signature + ' HTTP/1.1',
    'Host: obs.cn-north-4.myhuaweicloud.com',
    `Authorization: ${CREDENTIALS.authorization}`,
    `${H.cAlg}: AES256`,
    `${H.cKey}: ${KEYS.rawCheck}`,
    `${H.cMd5}: ${md5(KEYS.target)}`,
    `${H.sse}: ${KEYS.wrongHeader}`,
    '',
  ].join('\r\n');
  for (const format of ['stylish', 'json', 'sarif', 'junit']) {
    const r = await runCli(['check', '--scheme', 'http', '-f', format], { stdin: raw });
    expect(r.code).toBe(1);
    expectNoSecrets(`check ${format}`, r.stdout + r.stderr);
    const h = await runCli([
      'check',
      '--op',
      'CopyObject',
      '-f',
      format,
      '-H',
      `${H.srcKey}: ${KEYS.source}`,
      '-H',
      `${H.cKey}: ${KEYS.rawCheck}`,
    ]);
    expect(h.code).toBe(1);
    expectNoSecrets(`check -H ${format}`, h.stdout + h.stderr);
  }
  // A malformed line is reported by number, not repeated: it may hold a key.
  const bad = await runCli(['check', '--op', 'PutObject'], {
    stdin: `${H.cAlg}: AES256\n${H.cKey}=${KEYS.rawCheck}\n`,
  });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('line 2 of the message');
  expectNoSecrets('check malformed', bad.stdout + bad.stderr);
});

it('explain prints no key of the documented examples', async () => {
  const { getChecker } = await import('../../src');
  const exampleKeys: string[] = [];
  for (const def of Object.values(getChecker().rules.codes)) {
    for (const ex of [def.examples.valid, def.examples.invalid]) {
      const pairs = ex ? (Array.isArray(ex.headers) ? ex.headers : Object.entries(ex.headers)) : [];
      for (const [name, value] of pairs)
        if (/customer-key$/i.test(String(name)) && typeof value === 'string') exampleKeys.push(value);
    }
  }
  expect(exampleKeys.length).toBeGreaterThan(3);
  for (const code of Object.keys(getChecker().rules.codes)) {
    const r = await runCli(['explain', code]);
    const leaked = exampleKeys.filter((k) => r.stdout.includes(k) || r.stderr.includes(k));
    expect({ code, leaked }).toEqual({ code, leaked: [] });
  }
});
