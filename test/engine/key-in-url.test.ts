/**
 * `sse-c/key-in-url`: the engine's request checks read the URL when given one. The check kind alone
 * (RuleTester-style tables), then the same code through the linter and the undici interceptor, with
 * no diagnostic, finding, log line or error quoting the key.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Agent, fetch } from 'undici';

import { createChecker, getChecker, validateHeaders } from '../../src';
import { guardErrorOf } from '../../src/guard/error';
import { obsSseGuard } from '../../src/guard/undici';
import { lint, streamInput } from '../../src/lint';
import { H } from '../helpers';
import { leaksIn, newKey } from '../support/leaks';

const K = newKey();
const k = { K };
const enc = encodeURIComponent;
const sseC: Array<[string, string]> = [
  [H.cAlg, 'AES256'],
  [H.cKey, K.b64],
  [H.cMd5, K.md5],
];
const CODE = 'sse-c/key-in-url';
const codesFor = (url: string, headers: Array<[string, string]> = []) =>
  validateHeaders({ operation: 'GetObject', direction: 'request', headers, url, scheme: 'https' })
    .diagnostics;

describe('the check kind', () => {
  it.each([
    ['no query', '/b/o.bin'],
    ['an upload id and a part number', '/b/o.bin?partNumber=1&uploadId=000001648453845DBB78F2340DD460D8'],
    ['a hex SHA-256 signature', `/b/o.bin?X-Amz-Signature=${K.hex}`],
    ['the key MD5, a fingerprint', `/b/o.bin?SSECustomerKeyMD5=${enc(K.md5)}`],
    ['a key name with no value', '/b/o.bin?SSECustomerKey='],
    ['a key in the path (an object name is data, not a parameter)', `/b/${K.url}`],
  ])('passes %s', (_what, url) => {
    expect(codesFor(url, sseC).map((d) => d.code)).not.toContain(CODE);
  });

  it.each([
    ['minio-js getObject', `/b/o?SSECustomerAlgorithm=AES256&SSECustomerKey=${enc(K.b64)}`, 'SSECustomerKey'],
    ['after ;', `/b/o?versionId=1;${H.cKey}=${enc(K.b64)}`, H.cKey],
    ['in the fragment', `/b/o#${H.cKey}=${enc(K.b64)}`, H.cKey],
    [
      'a double-encoded name',
      `/b/o?x-obs-server-side-encryption-customer%252Dkey=${enc(enc(K.b64))}`,
      H.cKey,
    ],
    [
      'a misspelt name',
      `/b/o?x-amz-server-side-encryption-customer-keys=abc`,
      'x-amz-server-side-encryption-customer-keys',
    ],
    ['a bare key as a value', `/b/o?note=${K.url}`, 'note'],
    ['a bare key as a name', `/b/o?${enc(K.b64)}`, '[REDACTED]'],
  ])('reports %s, naming the parameter and not the key', (_what, url, name) => {
    for (const headers of [sseC, []]) {
      const d = codesFor(url, headers).filter((x) => x.code === CODE);
      expect(d).toHaveLength(1);
      expect(d[0]).toMatchObject({ severity: 'error', header: name, direction: 'request' });
      expect(leaksIn(JSON.stringify(d), k)).toEqual([]);
    }
  });

  it('is not run without a URL, and obeys severity overrides', () => {
    expect(
      validateHeaders({ operation: 'GetObject', direction: 'request', headers: sseC }).diagnostics,
    ).toEqual(expect.not.arrayContaining([expect.objectContaining({ code: CODE })]));
    const url = `/b/o?SSECustomerKey=${enc(K.b64)}`;
    const off = createChecker({ severity: { [CODE]: 'off' } });
    expect(
      off.validate({ operation: 'GetObject', direction: 'request', headers: [], url }).diagnostics,
    ).toEqual([]);
    expect(off.checkUrl(url)).toEqual([]);
  });

  it('Checker.checkUrl judges a URL with no operation and names none', () => {
    const d = getChecker().checkUrl(`/b/?acl&SSECustomerKey=${enc(K.b64)}`);
    expect(d.map((x) => [x.code, x.header, x.operation])).toEqual([[CODE, 'SSECustomerKey', undefined]]);
  });
});

describe('through the linter', () => {
  it('reports it on checked and on skipped requests, and prints no key', async () => {
    const host = 'https://b.obs.cn-north-4.myhuaweicloud.com';
    const lines = [
      {
        method: 'GET',
        url: `${host}/o.bin?SSECustomerAlgorithm=AES256&SSECustomerKey=${enc(K.b64)}`,
        requestHeaders: sseC,
      },
      { method: 'GET', url: `${host}/?acl&SSECustomerKey=${enc(K.b64)}`, requestHeaders: [] },
      { method: 'GET', url: `${host}/o.bin`, requestHeaders: sseC },
    ];
    const ndjson = lines.map((l) => JSON.stringify(l)).join('\n');
    const r = await lint([streamInput(Readable.from([Buffer.from(ndjson)]), 'keys.ndjson')]);
    expect(r.findings.filter((f) => f.code === CODE).map((f) => [f.entry, f.header])).toEqual([
      [0, 'SSECustomerKey'],
      [1, 'SSECustomerKey'],
    ]);
    expect(leaksIn(JSON.stringify(r), k)).toEqual([]);
  });
});

describe('through the undici interceptor', () => {
  let server: http.Server;
  let origin: string;
  let reached = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      reached++;
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('blocks the request before it is sent; the error and the log line carry no key', async () => {
    const logs: object[] = [];
    const agent = new Agent().compose(
      obsSseGuard({ log: (l) => logs.push(l), severity: { 'transport/https-required': 'off' } }),
    );
    try {
      const err = await fetch(`${origin}/b/o.bin?SSECustomerAlgorithm=AES256&SSECustomerKey=${enc(K.b64)}`, {
        headers: Object.fromEntries(sseC),
        dispatcher: agent,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const blocked = guardErrorOf(err);
      expect(blocked?.codes).toContain(CODE);
      expect(reached).toBe(0);
      expect(
        leaksIn(`${blocked?.message} ${blocked?.url} ${JSON.stringify(blocked?.diagnostics)}`, k),
      ).toEqual([]);
      expect(logs).toHaveLength(1);
      expect(leaksIn(JSON.stringify(logs), k)).toEqual([]);
    } finally {
      await agent.close();
    }
  });
});
