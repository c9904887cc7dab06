/**
 * `obs-sse lint` redacts keys by value: a recording that holds a key anywhere (a misspelt or swapped
 * header, the KMS key id, the algorithm, the query as minio-js sends it, after `;`, in the fragment,
 * under a double-encoded name, a form field, a urlencoded body, a response header or an echoing XML
 * error) prints none of its spellings in any format, junit test-case names and input errors included.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { H } from '../helpers';
import { expectNoLeak, leaksIn, newKey, type TestKey } from '../support/leaks';
import { runCli } from './helpers';

const HOST = 'https://vault.obs.cn-north-4.myhuaweicloud.com';
const enc = encodeURIComponent;

const KEYS = {
  swapped: newKey(),
  misspelt: newKey(),
  kmsKeyId: newKey(),
  algorithm: newKey(),
  minio: newKey(),
  semicolon: newKey(),
  fragment: newKey(),
  doubleEncodedName: newKey(),
  doubleEncodedSubresource: newKey(),
  formField: newKey(),
  urlencoded: newKey(),
  responseHeader: newKey(),
  echoed: newKey(),
  short: newKey(16),
  asHeaderName: newKey(),
};

const sseC = (k: TestKey): Array<[string, string]> => [
  [H.cAlg, 'AES256'],
  [H.cKey, k.b64],
  [H.cMd5, k.md5],
];

interface Record {
  method: string;
  url: string;
  requestHeaders: Array<[string, string]>;
  status?: number;
  responseHeaders?: Array<[string, string]>;
  postData?: unknown;
  responseText?: string;
}

const K = KEYS;
const RECORDS: Record[] = [
  {
    method: 'PUT',
    url: `${HOST}/swapped.bin`,
    requestHeaders: [
      [H.cAlg, 'AES256'],
      [H.cKey, K.swapped.md5],
      [H.cMd5, K.swapped.b64],
    ],
  },
  {
    method: 'PUT',
    url: `${HOST}/misspelt.bin`,
    requestHeaders: [
      [H.cAlg, 'AES256'],
      [`${H.cKey}s`, K.misspelt.b64],
    ],
  },
  {
    method: 'PUT',
    url: `${HOST}/kms.bin`,
    requestHeaders: [
      [H.sse, 'kms'],
      [H.kmsKey, K.kmsKeyId.b64],
    ],
  },
  { method: 'PUT', url: `${HOST}/alg.bin`, requestHeaders: [[H.cAlg, K.algorithm.b64]] },
  {
    method: 'GET',
    url: `${HOST}/minio.bin?SSECustomerAlgorithm=AES256&SSECustomerKey=${enc(K.minio.b64)}`,
    requestHeaders: sseC(K.minio),
  },
  { method: 'GET', url: `${HOST}/semi.bin?a=1;${H.cKey}=${enc(K.semicolon.b64)}`, requestHeaders: [] },
  { method: 'GET', url: `${HOST}/frag.bin#${H.cKey}=${enc(K.fragment.b64)}`, requestHeaders: [] },
  {
    method: 'GET',
    url: `${HOST}/dbl.bin?x-obs-server-side-encryption-customer%252Dkey=${enc(enc(K.doubleEncodedName.b64))}`,
    requestHeaders: [[H.cAlg, 'AES256']],
  },
  {
    // A sub-resource makes the exchange skipped: its URL is still printed (junit lists every exchange).
    method: 'GET',
    url: `${HOST}/?acl&customer%252Dkey=${enc(enc(K.doubleEncodedSubresource.b64))}`,
    requestHeaders: [],
  },
  {
    method: 'POST',
    url: `${HOST}/`,
    requestHeaders: [['Content-Type', 'multipart/form-data; boundary=x']],
    postData: {
      mimeType: 'multipart/form-data; boundary=x',
      params: [
        { name: 'key', value: 'form.bin' },
        { name: H.cAlg, value: 'AES512' },
        { name: `${H.cKey}-copy`, value: K.formField.b64 },
      ],
    },
  },
  {
    method: 'POST',
    url: `${HOST}/`,
    requestHeaders: [['Content-Type', 'application/x-www-form-urlencoded']],
    postData: {
      mimeType: 'application/x-www-form-urlencoded',
      text: `key=u.bin&${H.cAlg}=AES256&note=${enc(K.urlencoded.b64)}`,
    },
  },
  {
    method: 'GET',
    url: `${HOST}/res.bin`,
    requestHeaders: [],
    status: 200,
    responseHeaders: [
      [H.cAlg, 'AES256'],
      ['x-obs-meta-k', K.responseHeader.hex],
    ],
  },
  {
    method: 'PUT',
    url: `${HOST}/echo.bin`,
    requestHeaders: [[H.cAlg, 'AES256']],
    status: 400,
    responseHeaders: [['Content-Type', 'application/xml']],
    responseText: `<Error><Code>InvalidArgument</Code><ArgumentName>${H.cKey}</ArgumentName><ArgumentValue>${K.echoed.b64}</ArgumentValue></Error>`,
  },
  { method: 'PUT', url: `${HOST}/short.bin?SSECustomerKey=${enc(K.short.b64)}`, requestHeaders: [] },
  {
    method: 'PUT',
    url: `${HOST}/name.bin`,
    requestHeaders: [
      [H.cAlg, 'AES256'],
      [K.asHeaderName.url, 'x'],
    ],
  },
];

const toHarEntry = (r: Record) => ({
  request: {
    method: r.method,
    url: r.url,
    headers: r.requestHeaders.map(([name, value]) => ({ name, value })),
    ...(r.postData ? { postData: r.postData } : {}),
  },
  response: {
    status: r.status ?? 200,
    headers: (r.responseHeaders ?? []).map(([name, value]) => ({ name, value })),
    content: { size: 0, mimeType: 'application/xml', ...(r.responseText ? { text: r.responseText } : {}) },
  },
});

let dir: string;
let harFile: string;
let ndjsonFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-secrets-by-value-'));
  harFile = join(dir, 'keys.har');
  ndjsonFile = join(dir, 'keys.ndjson');
  writeFileSync(harFile, JSON.stringify({ log: { version: '1.2', entries: RECORDS.map(toHarEntry) } }));
  // The last line is an input error whose message names a header: here the header's name is a key.
  const badLine = JSON.stringify({
    method: 'PUT',
    url: `${HOST}/x`,
    requestHeaders: { [K.asHeaderName.url]: {} },
  });
  writeFileSync(ndjsonFile, [...RECORDS.map((r) => JSON.stringify(r)), badLine].join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the inputs hold every key, and lint reads every record', async () => {
  const r = await runCli(['lint', '-f', 'json', '--fail-on', 'never', harFile]);
  const doc = JSON.parse(r.stdout) as { summary: { exchanges: number } };
  expect(doc.summary.exchanges).toBe(RECORDS.length);
  const raw = JSON.stringify(RECORDS);
  for (const [label, k] of Object.entries(KEYS))
    expect({ label, found: leaksIn(raw, { k }).length > 0 }).toEqual({ label, found: true });
});

describe.each(['stylish', 'json', 'sarif', 'junit'])('lint --format %s', (format) => {
  it.each(['har', 'ndjson'])('prints no spelling of any key from a %s input', async (kind) => {
    const file = kind === 'har' ? harFile : ndjsonFile;
    const r = await runCli(['lint', '-f', format, '--fail-on', 'never', file]);
    // The NDJSON input has a broken line on purpose: an input error, exit 2.
    expect(r.code).toBe(kind === 'ndjson' ? 2 : 0);
    expect(r.stdout.length).toBeGreaterThan(100);
    expectNoLeak(`${format} ${kind}`, r.stdout + r.stderr, KEYS);
  });
});

it('junit names every exchange, with the keys in its URL redacted', async () => {
  const r = await runCli(['lint', '-f', 'junit', '--fail-on', 'never', harFile]);
  const names = [...r.stdout.matchAll(/<testcase [^>]*name="([^"]*)"/g)].map((m) => m[1]!);
  expect(names).toHaveLength(RECORDS.length);
  expect(names.find((n) => n.includes('minio.bin'))).toContain('SSECustomerKey=%5BREDACTED%5D');
  expect(names.find((n) => n.includes('acl'))).toContain('customer%252Dkey=%5BREDACTED%5D');
});
