/**
 * The undici interceptor, composed onto real undici Agents: unit behaviour against a recording
 * upstream, then end to end with undici's fetch against the stand-in over HTTPS (private CA).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Agent, fetch, request } from 'undici';

import { guardErrorOf, ObsSseGuardError, OBS_SSE_BLOCKED } from '../../src/guard/error';
import { headerPairs } from '../../src/guard/headers';
import { obsSseGuard } from '../../src/guard/undici';
import type { ProxyGuard } from '../../src/proxy/types';
import { startStandin, type Standin } from '../../src/standin/server';
import { startUpstream, type Received, type Upstream } from '../proxy/helpers';
import { makePki, type TestPki } from '../../src/standin/tls';
import { sseCHeaders } from '../../src/sse-c';
import { FILE, formBytes, parseForm, postForm, sha256, type Fields } from '../support/post-form';

const KEY = createHash('sha256').update('interceptor test key 1').digest();
const KEY_2 = createHash('sha256').update('interceptor test key 2').digest();
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
type Line = Record<string, unknown>;

describe('headerPairs reads every header shape undici and node:http use', () => {
  test.each([
    ['a flat array', ['A', '1', 'b', '2']],
    [
      'entries',
      [
        ['A', '1'],
        ['b', '2'],
      ],
    ],
    ['an object', { A: '1', b: '2' }],
    [
      'a Map',
      new Map([
        ['A', '1'],
        ['b', '2'],
      ]),
    ],
  ])('%s', (_name, headers) => {
    expect(headerPairs(headers)).toEqual([
      ['A', '1'],
      ['b', '2'],
    ]);
  });

  test('array values repeat, numbers and Buffers become strings, undefined and null vanish', () => {
    expect(headerPairs({ a: ['1', '2'], n: 3, u: undefined, z: null })).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['n', '3'],
    ]);
    expect(headerPairs([Buffer.from('x-a'), Buffer.from('v')])).toEqual([['x-a', 'v']]);
    const h = new Headers({ 'x-a': '1' });
    expect(headerPairs(h)).toEqual([['x-a', '1']]);
    expect(headerPairs(null)).toEqual([]);
  });
});

describe('against a recording upstream', () => {
  let upstream: Upstream;
  let flag = false;
  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        // An upstream that echoes another key's MD5: a response finding, never a block.
        const echo = flag
          ? {
              'x-obs-server-side-encryption-customer-algorithm': 'AES256',
              'x-obs-server-side-encryption-customer-key-MD5': md5(KEY_2),
            }
          : {};
        res.writeHead(200, { 'content-type': 'text/plain', ...echo });
        res.end('ok');
      });
    });
  });
  afterAll(() => upstream.close());

  function agent(options: Parameters<typeof obsSseGuard>[0]): { dispatcher: Agent; lines: Line[] } {
    const lines: Line[] = [];
    const dispatcher = new Agent().compose(obsSseGuard({ log: (l) => lines.push(l as Line), ...options }));
    return { dispatcher: dispatcher as unknown as Agent, lines };
  }

  test('enforce: a wrong request fails with ObsSseGuardError and nothing is sent', async () => {
    const { dispatcher, lines } = agent({ mode: 'enforce' });
    const before = { received: upstream.received.length, connections: upstream.connections() };
    const err = await request(`${upstream.url.origin}/b/k`, {
      method: 'PUT',
      body: 'data',
      headers: { 'x-obs-server-side-encryption': 'KMS' },
      dispatcher,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsSseGuardError);
    const e = err as ObsSseGuardError;
    expect(e).toMatchObject({
      code: OBS_SSE_BLOCKED,
      codes: ['value/not-allowed'],
      operation: 'PutObject',
      method: 'PUT',
      status: 400,
    });
    expect(e.message).toContain('value/not-allowed on x-obs-server-side-encryption');
    expect(e.message).not.toContain('KMS');
    expect(e.diagnostics.map((d) => d.code)).toEqual(['value/not-allowed']);
    expect({ received: upstream.received.length, connections: upstream.connections() }).toEqual(before);
    expect(lines).toEqual([
      expect.objectContaining({ event: 'exchange', verdict: 'blocked', status: null, upstreamMs: null }),
    ]);
    await dispatcher.close();
  });

  test('enforce with fetch: the rejection carries the guard error as its cause', async () => {
    const { dispatcher } = agent({ mode: 'enforce' });
    const err = await fetch(`${upstream.url.origin}/b/k`, {
      method: 'PUT',
      body: 'data',
      headers: { 'x-obs-server-side-encryption': 'kms', 'x-obs-server-side-encryption-kms-key-id': '' },
      dispatcher,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    // KMS needs HTTPS too: the origin here is plain http.
    expect(guardErrorOf(err)?.codes).toEqual(['sse-kms/invalid-key-id', 'transport/https-required']);
    expect(guardErrorOf(new Error('other'))).toBeUndefined();
    await dispatcher.close();
  });

  test('report: the same request goes out unchanged and is logged as reported', async () => {
    const { dispatcher, lines } = agent({ mode: 'report' });
    const res = await request(`${upstream.url.origin}/b/k`, {
      method: 'PUT',
      body: 'data',
      headers: { 'x-obs-server-side-encryption': 'KMS' },
      dispatcher,
    });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    expect(upstream.received.at(-1)?.rawHeaders).toContainEqual(['x-obs-server-side-encryption', 'KMS']);
    expect(lines).toEqual([
      expect.objectContaining({ verdict: 'reported', codes: ['value/not-allowed'], status: 200 }),
    ]);
    await dispatcher.close();
  });

  test('the transport is the origin scheme: SSE-C to an http origin is stopped', async () => {
    const { dispatcher } = agent({});
    const err = await request(`${upstream.url.origin}/b/k`, {
      method: 'GET',
      headers: sseCHeaders(KEY),
      dispatcher,
    }).catch((e: unknown) => e);
    expect((err as ObsSseGuardError).codes).toEqual(['transport/https-required']);
    await dispatcher.close();
  });

  test('query options count: ?partNumber&uploadId make an UploadPart', async () => {
    const { dispatcher, lines } = agent({ severity: { 'transport/https-required': 'off' } });
    const res = await request(`${upstream.url.origin}/b/m`, {
      method: 'PUT',
      query: { partNumber: 1, uploadId: 'U' },
      headers: sseCHeaders(KEY),
      body: 'part',
      dispatcher,
    });
    await res.body.text();
    expect(upstream.received.at(-1)?.url).toBe('/b/m?partNumber=1&uploadId=U');
    expect(lines[0]).toMatchObject({
      operation: 'UploadPart',
      url: `${upstream.url.origin}/b/m?partNumber=1&uploadId=U`,
    });
    await dispatcher.close();
  });

  test('response headers are checked and logged, never blocking, in enforce mode too', async () => {
    const { dispatcher, lines } = agent({ severity: { 'transport/https-required': 'off' } });
    flag = true;
    try {
      const res = await request(`${upstream.url.origin}/b/k`, {
        method: 'GET',
        headers: sseCHeaders(KEY),
        dispatcher,
      });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('ok');
    } finally {
      flag = false;
    }
    expect(lines[0]).toMatchObject({
      verdict: 'pass',
      responseCodes: ['response/md5-mismatch'],
      status: 200,
    });
    expect(JSON.stringify(lines)).not.toContain(KEY.toString('base64'));
    await dispatcher.close();
  });

  test('a guard that throws fails closed in enforce mode and lets the request through in report mode', async () => {
    const broken: ProxyGuard = {
      checkRequest: () => {
        throw new Error('boom');
      },
      checkResponse: () => ({ codes: [], diagnostics: [] }),
    };
    const enforce = agent({ guard: broken });
    const err = await request(`${upstream.url.origin}/b/k`, { dispatcher: enforce.dispatcher }).catch(
      (e: unknown) => e,
    );
    expect((err as ObsSseGuardError).codes).toEqual(['guard/check-failed']);
    expect(enforce.lines[0]).toMatchObject({ event: 'guard_error', phase: 'request' });
    const report = agent({ guard: broken, mode: 'report' });
    const res = await request(`${upstream.url.origin}/b/k`, { dispatcher: report.dispatcher });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    await enforce.dispatcher.close();
    await report.dispatcher.close();
  });

  test('rejects an unknown mode at composition time', () => {
    expect(() => obsSseGuard({ mode: 'block' as never })).toThrow(/mode must be/);
  });
});

const SSE_C_WRONG_MD5: Fields = [
  ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
  ['x-obs-server-side-encryption-customer-key', KEY.toString('base64')],
  ['x-obs-server-side-encryption-customer-key-MD5', md5(KEY_2)],
];

/** `bytes` in pieces of `size`, so that a peek spans several chunks. */
function* pieces(bytes: Buffer, size = 16 * 1024): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const BODY_KINDS = [
  'FormData via fetch',
  'FormData via request',
  'Buffer via request',
  'Readable via request',
  'web ReadableStream via request',
  'Blob via request',
  'async iterable via request',
] as const;
type BodyKind = (typeof BODY_KINDS)[number];

describe('PostObject: the SSE form fields are read from the body before anything is sent', () => {
  let upstream: Upstream;
  const bodies = new Map<Received, Buffer>();
  beforeAll(async () => {
    upstream = await startUpstream((req, res, rec) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.set(rec, Buffer.concat(chunks));
        res.writeHead(204);
        res.end();
      });
    });
  });
  afterAll(() => upstream.close());

  const PLAIN_HTTP = { 'transport/https-required': 'off' } as const;

  function agent(options: Parameters<typeof obsSseGuard>[0] = {}): { dispatcher: Agent; lines: Line[] } {
    const lines: Line[] = [];
    const dispatcher = new Agent().compose(
      obsSseGuard({
        log: (l) => lines.push(l as Line),
        ...options,
        severity: { ...PLAIN_HTTP, ...options.severity },
      }),
    );
    return { dispatcher: dispatcher as unknown as Agent, lines };
  }

  /**
   * POSTs the form as `kind`; resolves to the status and, where the caller chose the bytes (not undici
   * serialising FormData), the exact bytes sent. Rejects as the client does.
   */
  async function post(
    kind: BodyKind,
    fields: Fields,
    dispatcher: Agent,
  ): Promise<{ status: number; sent: Buffer | undefined }> {
    const url = `${upstream.url.origin}/forms`;
    if (kind === 'FormData via fetch') {
      const res = await fetch(url, { method: 'POST', body: postForm(fields), dispatcher });
      await res.arrayBuffer();
      return { status: res.status, sent: undefined };
    }
    if (kind === 'FormData via request') {
      const res = await request(url, { method: 'POST', body: postForm(fields), dispatcher });
      await res.body.text();
      return { status: res.statusCode, sent: undefined };
    }
    const { bytes, type } = await formBytes(fields);
    const headers: Record<string, string> = { 'content-type': type };
    let body: unknown;
    switch (kind) {
      case 'Buffer via request':
        body = bytes;
        break;
      case 'Readable via request':
        body = Readable.from(pieces(bytes));
        break;
      case 'web ReadableStream via request':
        body = Readable.toWeb(Readable.from(pieces(bytes)));
        break;
      case 'Blob via request':
        // No Content-Type header: undici sends the Blob's type, and the guard reads it from there.
        delete headers['content-type'];
        body = new Blob([new Uint8Array(bytes)], { type });
        break;
      case 'async iterable via request':
        body = (async function* () {
          yield* pieces(bytes);
        })();
        break;
    }
    const res = await request(url, { method: 'POST', headers, body: body as Readable, dispatcher });
    await res.body.text();
    return { status: res.statusCode, sent: bytes };
  }

  /** Asserts that OBS got the form whole: the same fields, the same file, the exact bytes when known. */
  async function expectDelivered(fields: Fields, sent: Buffer | undefined): Promise<void> {
    const rec = upstream.received.at(-1)!;
    await rec.settled;
    expect(rec).toMatchObject({ method: 'POST', url: '/forms', complete: true });
    const body = bodies.get(rec)!;
    expect(await parseForm(body, String(rec.headers['content-type']))).toEqual({
      fields,
      file: sha256(FILE),
    });
    if (sent) expect(rec.sha256).toBe(sha256(sent));
    if (rec.headers['content-length'] !== undefined)
      expect(String(body.length)).toBe(rec.headers['content-length']);
  }

  test.each(BODY_KINDS)('%s: a correct form passes and reaches the server whole', async (kind) => {
    const { dispatcher, lines } = agent();
    const fields: Fields = [
      ['key', 'photo.bin'],
      ['x-obs-server-side-encryption', 'kms'],
    ];
    const { status, sent } = await post(kind, fields, dispatcher);
    expect(status).toBe(204);
    await expectDelivered(fields, sent);
    expect(lines).toEqual([
      expect.objectContaining({ operation: 'PostObject', verdict: 'pass', codes: [], status: 204 }),
    ]);
    await dispatcher.close();
  });

  test.each(BODY_KINDS)('%s: enforce blocks a wrong form field value and sends nothing', async (kind) => {
    const { dispatcher, lines } = agent();
    const before = { received: upstream.received.length, connections: upstream.connections() };
    const err = await post(kind, [['x-obs-server-side-encryption', 'KMS']], dispatcher).catch(
      (e: unknown) => e,
    );
    const guardErr = guardErrorOf(err);
    expect(guardErr).toMatchObject({ codes: ['value/not-allowed'], operation: 'PostObject', method: 'POST' });
    expect(guardErr?.message).toContain('value/not-allowed on x-obs-server-side-encryption');
    expect({ received: upstream.received.length, connections: upstream.connections() }).toEqual(before);
    expect(lines).toEqual([
      expect.objectContaining({
        operation: 'PostObject',
        verdict: 'blocked',
        codes: ['value/not-allowed'],
        status: null,
        upstreamMs: null,
      }),
    ]);
    await dispatcher.close();
  });

  test.each(['FormData via fetch', 'Buffer via request', 'Readable via request'] as const)(
    '%s: an SSE-C key whose MD5 field does not match is blocked, and the key is never logged',
    async (kind) => {
      const { dispatcher, lines } = agent();
      const before = upstream.received.length;
      const err = await post(kind, SSE_C_WRONG_MD5, dispatcher).catch((e: unknown) => e);
      const guardErr = guardErrorOf(err);
      expect(guardErr?.codes).toEqual(['sse-c/md5-mismatch']);
      expect(upstream.received.length).toBe(before);
      const key = KEY.toString('base64');
      expect(guardErr?.message).not.toContain(key);
      expect(String(err)).not.toContain(key);
      expect(JSON.stringify(guardErr?.diagnostics)).not.toContain(key);
      expect(lines).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toContain(key);
      await dispatcher.close();
    },
  );

  test.each(['FormData via fetch', 'Buffer via request', 'Readable via request'] as const)(
    '%s: more than 64 KiB of fields before the file is form/unchecked; as a warning it goes through whole',
    async (kind) => {
      const fields: Fields = [
        ['x-obs-meta-note', 'n'.repeat(70 * 1024)],
        ['x-obs-server-side-encryption', 'kms'],
      ];
      const enforce = agent();
      const before = upstream.received.length;
      const err = await post(kind, fields, enforce.dispatcher).catch((e: unknown) => e);
      expect(guardErrorOf(err)?.codes).toEqual(['form/unchecked']);
      expect(upstream.received.length).toBe(before);
      await enforce.dispatcher.close();

      const lenient = agent({ severity: { 'form/unchecked': 'warning' } });
      const { status, sent } = await post(kind, fields, lenient.dispatcher);
      expect(status).toBe(204);
      await expectDelivered(fields, sent);
      expect(lenient.lines).toEqual([
        expect.objectContaining({ verdict: 'pass', codes: ['form/unchecked'], status: 204 }),
      ]);
      await lenient.dispatcher.close();
    },
  );

  test.each(['FormData via fetch', 'Buffer via request', 'Readable via request'] as const)(
    '%s: report mode sends the wrong form whole and logs its code',
    async (kind) => {
      const { dispatcher, lines } = agent({ mode: 'report' });
      const fields: Fields = [['x-obs-server-side-encryption', 'KMS']];
      const { status, sent } = await post(kind, fields, dispatcher);
      expect(status).toBe(204);
      await expectDelivered(fields, sent);
      expect(lines).toEqual([
        expect.objectContaining({ verdict: 'reported', codes: ['value/not-allowed'], status: 204 }),
      ]);
      await dispatcher.close();
    },
  );

  test.each([
    [
      'not multipart/form-data',
      'multipart/form-data',
      'no boundary, no parts',
      'not valid multipart/form-data',
    ],
    ['a stream destroyed already', 'multipart/form-data; boundary=x', 'destroyed', 'ended or broke off'],
  ])('a form the guard cannot read is form/unchecked: %s', async (_name, type, content, reason) => {
    const { dispatcher } = agent();
    const gone = Readable.from([]);
    gone.destroy();
    const err = await request(`${upstream.url.origin}/forms`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: content === 'destroyed' ? gone : content,
      dispatcher,
    }).catch((e: unknown) => e);
    expect((err as ObsSseGuardError).codes).toEqual(['form/unchecked']);
    expect((err as ObsSseGuardError).diagnostics[0]?.received).toContain(reason);
    await dispatcher.close();
  });

  test('a body the guard cannot read at all fails the request, logged, never hanging it', async () => {
    const { dispatcher, lines } = agent();
    const { type } = await formBytes([]);
    const locked = new ReadableStream<Uint8Array>();
    locked.getReader();
    const before = upstream.received.length;
    const err = await request(`${upstream.url.origin}/forms`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: locked as unknown as Readable,
      dispatcher,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(guardErrorOf(err)).toBeUndefined();
    expect(upstream.received.length).toBe(before);
    expect(lines.map((l) => [l.event, l.phase ?? l.verdict, l.status])).toEqual([
      ['guard_error', 'form', undefined],
      ['exchange', 'pass', null],
    ]);
    expect(lines[1]?.error).toEqual(expect.any(String));
    await dispatcher.close();
  });

  test('a checkForm that throws fails closed in enforce mode', async () => {
    const guard: ProxyGuard = {
      checkRequest: () => ({
        block: false,
        codes: [],
        diagnostics: [],
        operation: 'PostObject',
        readForm: true,
      }),
      checkForm: () => {
        throw new Error('boom');
      },
      checkResponse: () => ({ codes: [], diagnostics: [] }),
    };
    const lines: Line[] = [];
    const dispatcher = new Agent().compose(obsSseGuard({ guard, log: (l) => lines.push(l as Line) }));
    const before = upstream.received.length;
    const { bytes, type } = await formBytes([]);
    const err = await request(`${upstream.url.origin}/forms`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: Readable.from(pieces(bytes)),
      dispatcher,
    }).catch((e: unknown) => e);
    expect((err as ObsSseGuardError).codes).toEqual(['guard/check-failed']);
    expect(upstream.received.length).toBe(before);
    expect(lines.map((l) => [l.event, l.phase ?? l.verdict])).toEqual([
      ['guard_error', 'form'],
      ['exchange', 'blocked'],
    ]);
    await dispatcher.close();
  });
});

describe('end to end: undici fetch through a composed Agent to the stand-in over HTTPS', () => {
  let pki: TestPki;
  let standin: Standin;
  beforeAll(async () => {
    pki = makePki();
    standin = await startStandin({ tls: pki.tls });
  });
  afterAll(async () => {
    await standin.close();
    pki.remove();
  });

  test('a multipart upload: the part under another key never leaves the process, the rest completes', async () => {
    const lines: Line[] = [];
    const dispatcher = new Agent({ connect: { ca: pki.caPem } }).compose(
      obsSseGuard({ mode: 'enforce', log: (l) => lines.push(l as Line) }),
    );
    const base = `https://127.0.0.1:${standin.port}/fetch-bucket`;
    const call = (url: string, init: Parameters<typeof fetch>[1] = {}) => fetch(url, { ...init, dispatcher });
    expect((await call(base, { method: 'PUT' })).status).toBe(200);
    const init = await call(`${base}/big.bin?uploads`, { method: 'POST', headers: sseCHeaders(KEY) });
    expect(init.status).toBe(200);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await init.text())?.[1];
    expect(uploadId).toBeDefined();
    const partUrl = `${base}/big.bin?partNumber=1&uploadId=${uploadId}`;
    const wrong = await call(partUrl, { method: 'PUT', headers: sseCHeaders(KEY_2), body: 'part one' }).catch(
      (e: unknown) => e,
    );
    expect(guardErrorOf(wrong)).toMatchObject({ codes: ['session/key-mismatch'], operation: 'UploadPart' });
    const right = await call(partUrl, { method: 'PUT', headers: sseCHeaders(KEY), body: 'part one' });
    expect(right.status).toBe(200);
    const etag = right.headers.get('etag');
    await right.arrayBuffer();
    const done = await call(`${base}/big.bin?uploadId=${uploadId}`, {
      method: 'POST',
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(done.status).toBe(200);
    await done.arrayBuffer();
    // The stand-in saw one part, under the upload's key.
    const parts = standin.exchanges.filter((e) => e.operation === 'UploadPart');
    expect(parts).toHaveLength(1);
    expect(parts[0]!.sse.customer?.keyMd5Actual).toBe(md5(KEY));
    expect(standin.exchanges.map((e) => e.operation)).toEqual([
      'CreateBucket',
      'InitiateMultipartUpload',
      'UploadPart',
      'CompleteMultipartUpload',
    ]);
    expect(lines.map((l) => [l.operation, l.verdict, l.status])).toEqual([
      ['CreateBucket', 'pass', 200],
      ['InitiateMultipartUpload', 'pass', 200],
      ['UploadPart', 'blocked', null],
      ['UploadPart', 'pass', 200],
      ['CompleteMultipartUpload', 'pass', 200],
    ]);
    for (const key of [KEY, KEY_2]) expect(JSON.stringify(lines)).not.toContain(key.toString('base64'));
    await dispatcher.close();
  });

  test('the guard is opt-in per dispatcher: the global one is left alone', async () => {
    const server = http.createServer((_req, res) => res.end('plain'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const res = await request(`http://127.0.0.1:${port}/b/k`, {
      headers: { 'x-obs-server-side-encryption': 'KMS' },
    });
    expect(await res.body.text()).toBe('plain');
    await new Promise<void>((r) => server.close(() => r()));
  });
});
