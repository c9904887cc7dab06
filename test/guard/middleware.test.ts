/**
 * The node:http / Express / Connect middleware in real node:http servers: unit behaviour with a final
 * handler in place of a gateway, then end to end as the front of a gateway that forwards to the
 * stand-in over HTTPS, driven by the official SDK.
 */
import busboy from 'busboy';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { fetch } from 'undici';

import { ObsSseGuardError } from '../../src/guard/error';
import { obsSseMiddleware, type ObsSseMiddlewareOptions } from '../../src/guard/middleware';
import type { ProxyGuard } from '../../src/proxy/types';
import { startStandin, type Standin } from '../../src/standin/server';
import { request } from '../proxy/helpers';
import { forwardTo } from '../support/forward';
import { makePki, type TestPki } from '../../src/standin/tls';
import { FILE, formBytes, postForm, sha256, type Fields } from '../support/post-form';
import { ALL_CUSTOMER_KEYS_B64, runScenarios } from '../support/sdk';

const KEY = createHash('sha256').update('middleware test key').digest();
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
type Line = Record<string, unknown>;

interface App {
  port: number;
  lines: Line[];
  /** How often the final handler (the gateway's forwarding) ran. */
  reached: () => number;
  /** The request bodies the final handler read, in order. */
  bodies: Buffer[];
  close: () => Promise<void>;
}

/** A handler that runs before the middleware, e.g. a body parser; calls `done` when finished. */
type Before = (req: http.IncomingMessage, done: () => void) => void;

/**
 * A node:http server running the middleware, then a final handler that reads the body and answers 200
 * (setting the response headers `respond` asks for), with a Connect-style error handler after it.
 */
async function startApp(
  options: Partial<ObsSseMiddlewareOptions>,
  respond: Record<string, string> = {},
  before: Before = (_req, done) => done(),
): Promise<App> {
  const lines: Line[] = [];
  const bodies: Buffer[] = [];
  let reached = 0;
  const mw = obsSseMiddleware({
    upstreamScheme: 'https',
    log: (l) => lines.push(l as Line),
    ...options,
  });
  const server = http.createServer((req, res) =>
    before(req, () =>
      mw(req, res, (err?: unknown) => {
        if (err) {
          const e = err as ObsSseGuardError;
          res.statusCode = e.status ?? 500;
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({ isGuardError: err instanceof ObsSseGuardError, code: e.code, codes: e.codes }),
          );
          return;
        }
        reached++;
        const chunks: Buffer[] = [];
        const answer = (): void => {
          bodies.push(Buffer.concat(chunks));
          for (const [n, v] of Object.entries(respond)) res.setHeader(n, v);
          res.end('forwarded');
        };
        // A body parser before the middleware may have read the body already.
        if (req.readableEnded) return answer();
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', answer);
      }),
    ),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    reached: () => reached,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const WRONG = { 'x-obs-server-side-encryption': 'KMS' };

/** The app of the test running; closed after each. */
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('in a node:http server', () => {
  test('enforce: answers 400 with the OBS-style XML body naming the code; the gateway is never reached', async () => {
    app = await startApp({ mode: 'enforce' });
    const res = await request(app.port, { method: 'PUT', path: '/b/k', headers: WRONG, body: 'data' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.headers['x-obs-sse-proxy']).toBe('blocked');
    expect(res.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>InvalidArgument<\/Code><Message>Blocked by obs-sse middleware before reaching OBS: PutObject request has SSE header errors: value\/not-allowed on x-obs-server-side-encryption .*\[value\/not-allowed\]<\/Message><RequestId>[0-9A-F]{32}<\/RequestId><HostId>obs-sse-proxy<\/HostId><\/Error>$/,
    );
    expect(res.body).not.toContain('KMS');
    expect(app.reached()).toBe(0);
    expect(app.lines).toEqual([
      expect.objectContaining({
        event: 'exchange',
        method: 'PUT',
        url: '/b/k',
        operation: 'PutObject',
        verdict: 'blocked',
        codes: ['value/not-allowed'],
        diagnostics: [
          { code: 'value/not-allowed', severity: 'error', header: 'x-obs-server-side-encryption' },
        ],
        status: 400,
        upstreamMs: null,
      }),
    ]);
  });

  test('a small blocked body is drained and the connection kept; a large one closes it', async () => {
    app = await startApp({ mode: 'enforce', maxDrainBytes: 1024 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await request(app.port, {
        agent,
        method: 'PUT',
        path: '/b/k',
        headers: WRONG,
        body: 'small',
      });
      const second = await request(app.port, { agent, method: 'PUT', path: '/b/k2', body: 'ok' });
      expect([first.status, second.status]).toEqual([400, 200]);
      expect(second.socket).toBe(first.socket);
      const big = await request(app.port, {
        agent,
        method: 'PUT',
        path: '/b/k',
        headers: WRONG,
        body: 'x'.repeat(4096),
      });
      expect(big.status).toBe(400);
      expect(big.headers.connection).toBe('close');
    } finally {
      agent.destroy();
    }
  });

  test("onBlock: 'next' hands an ObsSseGuardError to the app's error handler", async () => {
    app = await startApp({ mode: 'enforce', onBlock: 'next' });
    const res = await request(app.port, { method: 'PUT', path: '/b/k', headers: WRONG, body: 'data' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      isGuardError: true,
      code: 'ERR_OBS_SSE_BLOCKED',
      codes: ['value/not-allowed'],
    });
    expect(app.reached()).toBe(0);
    expect(app.lines[0]).toMatchObject({ verdict: 'blocked', status: 400 });
  });

  test('report: the request goes on and the verdict is logged', async () => {
    app = await startApp({ mode: 'report' });
    const res = await request(app.port, { method: 'PUT', path: '/b/k', headers: WRONG, body: 'data' });
    expect([res.status, res.body]).toEqual([200, 'forwarded']);
    expect(app.reached()).toBe(1);
    expect(app.lines[0]).toMatchObject({ verdict: 'reported', codes: ['value/not-allowed'], status: 200 });
  });

  test('the transport is upstreamScheme: SSE-C to an http upstream is stopped, to https it is not', async () => {
    const headers = {
      'x-obs-server-side-encryption-customer-algorithm': 'AES256',
      'x-obs-server-side-encryption-customer-key': KEY.toString('base64'),
      'x-obs-server-side-encryption-customer-key-MD5': md5(KEY),
    };
    app = await startApp({ upstreamScheme: 'https' });
    expect((await request(app.port, { method: 'PUT', path: '/b/k', headers, body: 'x' })).status).toBe(200);
    await app.close();
    app = await startApp({ upstreamScheme: 'http' });
    const res = await request(app.port, { method: 'PUT', path: '/b/k', headers, body: 'x' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('transport/https-required');
    expect(JSON.stringify(app.lines)).not.toContain(KEY.toString('base64'));
  });

  test('response headers set by the gateway are checked and logged, never acted on', async () => {
    app = await startApp({}, { 'x-obs-server-side-encryption-customer-key': KEY.toString('base64') });
    const res = await request(app.port, { method: 'GET', path: '/b/k' });
    expect(res.status).toBe(200);
    expect(app.lines[0]).toMatchObject({ verdict: 'pass', responseCodes: ['sse-c/key-in-response'] });
    expect(JSON.stringify(app.lines)).not.toContain(KEY.toString('base64'));
  });

  test('a guard that throws answers 500 in enforce mode (fail closed), and goes on in report mode', async () => {
    const broken: ProxyGuard = {
      checkRequest: () => {
        throw new Error('boom');
      },
      checkResponse: () => ({ codes: [], diagnostics: [] }),
    };
    app = await startApp({ guard: broken });
    const res = await request(app.port, { path: '/b/k' });
    expect(res.status).toBe(500);
    expect(res.body).toContain('<Code>InternalError</Code>');
    expect(app.reached()).toBe(0);
    await app.close();
    app = await startApp({ guard: broken, mode: 'report' });
    expect((await request(app.port, { path: '/b/k' })).status).toBe(200);
  });

  test('upstreamScheme is required', () => {
    expect(() => obsSseMiddleware({} as ObsSseMiddlewareOptions)).toThrow(/upstreamScheme must be/);
  });
});

const KEY_2 = createHash('sha256').update('middleware test key 2').digest();
const KMS: Fields = [
  ['key', 'photo.bin'],
  ['x-obs-server-side-encryption', 'kms'],
];
const WRONG_FIELD: Fields = [['x-obs-server-side-encryption', 'KMS']];

async function postBytes(port: number, form: { bytes: Buffer; type: string }) {
  return request(port, {
    method: 'POST',
    path: '/forms',
    headers: { 'content-type': form.type },
    body: form.bytes,
  });
}

/**
 * A multer-style parser: reads the whole form, leaving its fields on a prototype-less `req.body` (or,
 * with `keepBody: false`, nowhere) before the middleware runs.
 */
function multerLike(keepBody = true): Before {
  return (req, done) => {
    const body = Object.create(null) as Record<string, string>;
    const bb = busboy({ headers: req.headers });
    bb.on('field', (name: string, value: string) => (body[name] = value));
    bb.on('file', (_name: string, stream: Readable) => stream.resume());
    bb.on('close', () => {
      if (keepBody) (req as { body?: unknown }).body = body;
      done();
    });
    req.pipe(bb);
  };
}

describe('PostObject: the SSE form fields are read from the request before next() runs', () => {
  test('a correct form passes, and the gateway reads the whole body byte for byte', async () => {
    app = await startApp({});
    const form = await formBytes(KMS);
    const res = await postBytes(app.port, form);
    expect([res.status, res.body]).toEqual([200, 'forwarded']);
    expect(app.bodies.map(sha256)).toEqual([sha256(form.bytes)]);
    expect(app.lines).toEqual([
      expect.objectContaining({ operation: 'PostObject', verdict: 'pass', codes: [], status: 200 }),
    ]);
  });

  test('undici fetch with FormData: the gateway gets the form whole', async () => {
    app = await startApp({});
    const res = await fetch(`http://127.0.0.1:${app.port}/forms`, { method: 'POST', body: postForm(KMS) });
    expect([res.status, await res.text()]).toEqual([200, 'forwarded']);
    const body = app.bodies[0]!;
    expect(body.length).toBeGreaterThan(FILE.length);
    expect(body.includes(FILE)).toBe(true);
    expect(app.lines[0]).toMatchObject({ operation: 'PostObject', verdict: 'pass' });
  });

  test('Expect: 100-continue: node answers 100 itself, then the form is read and forwarded whole', async () => {
    app = await startApp({});
    const form = await formBytes(KMS);
    const port = app.port;
    const result = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/forms',
          agent: false,
          headers: {
            'content-type': form.type,
            'content-length': form.bytes.length,
            expect: '100-continue',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end(form.bytes);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(result).toEqual({ status: 200, continued: true });
    expect(app.bodies.map(sha256)).toEqual([sha256(form.bytes)]);
  });

  test('enforce: a wrong form field value is answered 400 naming the code; the gateway is never reached', async () => {
    app = await startApp({});
    const res = await postBytes(app.port, await formBytes(WRONG_FIELD));
    expect([res.status, res.headers['x-obs-sse-proxy']]).toEqual([400, 'blocked']);
    expect(res.body).toContain('PostObject request has SSE header errors: value/not-allowed');
    expect(res.body).not.toContain('KMS');
    expect(app.reached()).toBe(0);
    expect(app.lines.map((l) => [l.operation, l.verdict, l.codes, l.status])).toEqual([
      ['PostObject', 'blocked', ['value/not-allowed'], 400],
    ]);
  });

  test("onBlock: 'next' hands the form's ObsSseGuardError to the app's error handler", async () => {
    app = await startApp({ onBlock: 'next' });
    const res = await postBytes(app.port, await formBytes(WRONG_FIELD));
    expect(JSON.parse(res.body)).toEqual({
      isGuardError: true,
      code: 'ERR_OBS_SSE_BLOCKED',
      codes: ['value/not-allowed'],
    });
    expect(app.reached()).toBe(0);
  });

  test('an SSE-C key whose MD5 field does not match is blocked, and the key is never echoed or logged', async () => {
    app = await startApp({});
    const res = await postBytes(
      app.port,
      await formBytes([
        ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
        ['x-obs-server-side-encryption-customer-key', KEY.toString('base64')],
        ['x-obs-server-side-encryption-customer-key-MD5', md5(KEY_2)],
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body).toContain('sse-c/md5-mismatch');
    expect(app.reached()).toBe(0);
    expect(app.lines[0]).toMatchObject({ verdict: 'blocked', codes: ['sse-c/md5-mismatch'] });
    for (const text of [res.body, JSON.stringify(app.lines)])
      expect(text).not.toContain(KEY.toString('base64'));
  });

  test('more than 64 KiB of fields before the file is form/unchecked; as a warning it goes on byte for byte', async () => {
    const form = await formBytes([['x-obs-meta-note', 'n'.repeat(70 * 1024)], ...KMS]);
    app = await startApp({});
    const blocked = await postBytes(app.port, form);
    expect(blocked.status).toBe(400);
    expect(blocked.body).toContain('form/unchecked');
    expect(app.reached()).toBe(0);
    await app.close();
    app = await startApp({ severity: { 'form/unchecked': 'warning' } });
    const res = await postBytes(app.port, form);
    expect(res.status).toBe(200);
    expect(app.bodies.map(sha256)).toEqual([sha256(form.bytes)]);
    expect(app.lines[0]).toMatchObject({ verdict: 'pass', codes: ['form/unchecked'] });
  });

  test('report: the wrong form goes on byte for byte and its code is logged', async () => {
    app = await startApp({ mode: 'report' });
    const form = await formBytes(WRONG_FIELD);
    const res = await postBytes(app.port, form);
    expect(res.status).toBe(200);
    expect(app.bodies.map(sha256)).toEqual([sha256(form.bytes)]);
    expect(app.lines[0]).toMatchObject({ verdict: 'reported', codes: ['value/not-allowed'], status: 200 });
  });

  test("a body parser that ran first: its req.body's fields are judged, a consumed body without one is form/unchecked", async () => {
    app = await startApp({}, {}, multerLike());
    expect((await postBytes(app.port, await formBytes(KMS))).status).toBe(200);
    const wrong = await postBytes(app.port, await formBytes(WRONG_FIELD));
    expect([wrong.status, wrong.body]).toEqual([400, expect.stringContaining('value/not-allowed')]);
    await app.close();
    app = await startApp({}, {}, multerLike(false));
    const unread = await postBytes(app.port, await formBytes(KMS));
    expect([unread.status, unread.body]).toEqual([400, expect.stringContaining('form/unchecked')]);
  });

  test('a req.body a parser set without reading the stream (body-parser skipping) does not stand in for the form', async () => {
    app = await startApp({}, {}, (req, done) => {
      (req as { body?: unknown }).body = {};
      done();
    });
    const res = await postBytes(app.port, await formBytes(WRONG_FIELD));
    expect(res.status).toBe(400);
    expect(res.body).toContain('value/not-allowed');
  });
});

describe('end to end: the SDK through a node:http gateway using the middleware, to the stand-in over HTTPS', () => {
  let pki: TestPki;
  let standin: Standin;
  let gateway: http.Server;
  const lines: Line[] = [];

  beforeAll(async () => {
    pki = makePki();
    standin = await startStandin({ tls: pki.tls });
    const agent = new https.Agent({ ca: pki.caPem, keepAlive: true });
    const mw = obsSseMiddleware({
      mode: 'enforce',
      upstreamScheme: 'https',
      log: (l) => lines.push(l as Line),
    });
    // The gateway: the middleware, then a plain forwarder to OBS (here the stand-in).
    const forward = forwardTo(standin.port, agent);
    gateway = http.createServer((req, res) => mw(req, res, () => forward(req, res)));
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    await new Promise<void>((r) => gateway.close(() => r()));
    await standin.close();
    pki.remove();
  });

  test('correct SDK calls pass, wrong ones are answered 400 and never reach the stand-in', async () => {
    const port = (gateway.address() as AddressInfo).port;
    const results = await runScenarios(
      { port, mode: 's3' },
      {
        only: [
          'create-bucket',
          'put-kms',
          'put-sse-c',
          'get-sse-c',
          'multipart-sse-c',
          'wrong-sse-c-16-byte-key',
          'wrong-sse-c-aes128',
          'wrong-upload-part-without-sse-c',
        ],
      },
    );
    expect(results.map((r) => [r.id, r.status, r.code])).toEqual([
      ['create-bucket', 200, undefined],
      ['put-kms', 200, undefined],
      ['put-sse-c', 200, undefined],
      ['get-sse-c', 200, undefined],
      ['multipart-sse-c', 200, undefined],
      ['wrong-sse-c-16-byte-key', 400, 'InvalidArgument'],
      ['wrong-sse-c-aes128', 400, 'InvalidArgument'],
      // The middleware reads no response body: the upload id is learnt from the part's URL.
      ['wrong-upload-part-without-sse-c', 400, 'InvalidArgument'],
    ]);
    const blocked = lines.filter((l) => l.verdict === 'blocked');
    expect(blocked.map((l) => [l.operation, l.codes])).toEqual([
      ['PutObject', ['sse-c/invalid-key']],
      ['PutObject', ['value/not-allowed']],
      ['UploadPart', ['session/key-mismatch']],
    ]);
    const received = new Set(
      standin.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}${new URL(e.url).search}`),
    );
    for (const l of blocked) expect(received.has(`${l.method} ${l.url}`)).toBe(false);
    expect(lines.filter((l) => l.event === 'exchange')).toHaveLength(
      standin.exchanges.length + blocked.length,
    );
    const text = JSON.stringify(lines);
    for (const key of ALL_CUSTOMER_KEYS_B64) expect(text).not.toContain(key);
  });
});
