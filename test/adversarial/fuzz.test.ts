/**
 * A bounded fuzzer over raw HTTP requests and multipart bodies, against the real `obs-sse proxy`
 * binary (with --har) and against an app that mounts the middleware. For every generated request:
 * the process stays up, a refused request sends no byte on (upstream, or the app's handler after the
 * middleware), and no generated SSE-C key appears in any output (response, log lines, HAR). Keys are
 * placed where SSE-C keys belong (header and form field); keys in URLs and misspelt placements are
 * redaction by value, tested with the redaction work of issue 11. Bounded by run count and time.
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

import { obsSseMiddleware } from '../../src/guard/middleware';
import { startUpstream, type CliProxy, type Upstream } from '../proxy/helpers';
import { rawBytes, sendRaw, startBinProxy, stopBinProxy, type RawRequest } from './support';

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const TIME_LIMIT_MS = 8_000;
/** Every generated request is answered well within this. */
const ANSWER_MS = 3_000;

/** Keys made for this run; each key's base64 and hex must never be printed anywhere. */
const KEYS = Array.from({ length: 4 }, () => randomBytes(32));
const KEY_TEXTS = KEYS.flatMap((k) => [k.toString('base64'), k.toString('hex')]);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

const SSE_NAMES = [
  'x-obs-server-side-encryption',
  'x-obs-server-side-encryption-kms-key-id',
  'x-obs-server-side-encryption-customer-algorithm',
  'x-obs-server-side-encryption-customer-key',
  'x-obs-server-side-encryption-customer-key-MD5',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-algorithm',
  'X-OBS-SERVER-SIDE-ENCRYPTION',
];
const KEY_HEADERS = new Set([
  'x-obs-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key',
]);

const token = fc.stringMatching(/^[!-~]{0,24}$/).map((s) => s.replace(/[:]/g, ''));
const key = fc.constantFrom(...KEYS);
const sseValue = fc.oneof(
  fc.constantFrom('kms', 'AES256', 'KMSX', 'obs', 'aws:kms', '', ' AES256 '),
  key.map(md5),
  token,
);

/** One header: an SSE one (a key only under a key header), a Connection one, or anything. */
const header: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom(...SSE_NAMES), sseValue).map(([n, v]): [string, string] => [n, v]),
  fc.tuple(fc.constantFrom(...KEY_HEADERS), key).map(([n, k]): [string, string] => [n, k.toString('base64')]),
  fc
    .subarray(['keep-alive', 'close', ...SSE_NAMES], { minLength: 1 })
    .map((names): [string, string] => ['Connection', names.join(', ')]),
  fc.tuple(fc.constantFrom('x-obs-meta-a', 'Expect', 'Content-Type', 'Authorization', 'Te'), token),
);

const target = fc.oneof(
  fc.constantFrom('/b/k', '//b/k', '/b/k?uploads', '/b/k?partNumber=1&uploadId=U1', '/b', '/', '/b/k?acl'),
  fc.stringMatching(/^\/[A-Za-z0-9/._~%?&=-]{0,40}$/),
);

const disposition = fc.constantFrom(
  'form-data; name="key"',
  'form-data; name="x-obs-server-side-encryption"',
  'form-data; name="x-obs-server-side-encryption-customer-key"',
  'form-data',
  "form-data; name*=UTF-8''x-obs-server-side-encryption",
  'form-data; name="file"; filename="a.bin"',
  'attachment',
  '',
);

/** A multipart body built from parts, or cut short, or garbage after a boundary-like start. */
const multipart = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.tuple(disposition, sseValue),
        // A key only where a key belongs; misplaced keys are redaction by value (finding 4).
        fc.tuple(
          fc.constant('form-data; name="x-obs-server-side-encryption-customer-key"'),
          key.map((k) => k.toString('base64')),
        ),
      ),
      { maxLength: 5 },
    ),
    fc.boolean(),
    fc.nat(200),
  )
  .map(([parts, close, cut]) => {
    const b = 'fz';
    let body = parts
      .map(([d, v]) => `--${b}\r\n${d ? `Content-Disposition: ${d}\r\n` : ''}\r\n${v}\r\n`)
      .join('');
    if (close) body += `--${b}--\r\n`;
    if (cut > 0 && cut < body.length) body = body.slice(0, body.length - cut);
    return { body, type: `multipart/form-data; boundary=${b}` };
  });

const request: fc.Arbitrary<RawRequest> = fc.oneof(
  fc
    .record({
      // No HEAD: a raw reader cannot tell its empty body from a slow one.
      method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'PROPFIND'),
      target,
      headers: fc.array(header, { maxLength: 6 }),
      body: fc.option(fc.stringMatching(/^[ -~]{0,64}$/), { nil: undefined }),
    })
    .map((r) => ({ ...r, headers: [['Host', '127.0.0.1'] as [string, string], ...r.headers] })),
  fc
    .tuple(fc.constantFrom('/b', '/b/', '//b'), fc.array(header, { maxLength: 3 }), multipart)
    .map(([t, headers, form]): RawRequest => ({
      method: 'POST',
      target: t,
      headers: [
        ['Host', '127.0.0.1'],
        ['Content-Type', form.type],
        ...headers.filter(([n]) => n !== 'Content-Type'),
      ],
      body: form.body,
    })),
);

/** The generated request as bytes, without any Expect field (the fuzzer does not wait for 100). */
const bytesOf = (r: RawRequest): Buffer =>
  rawBytes({ ...r, headers: r.headers.filter(([n]) => !/^expect$/i.test(n)) });

function leaks(text: string): string[] {
  return KEY_TEXTS.filter((k) => text.includes(k));
}

let dir: string;
let upstream: Upstream;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-fuzz-'));
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['enforce', 'report'] as const)('obs-sse proxy --mode %s under fuzzing', (mode) => {
  let proxy: CliProxy;
  const har = (): string => join(dir, `${mode}.har`);
  beforeAll(async () => {
    proxy = await startBinProxy(['--upstream', upstream.url.origin, '--mode', mode, '--har', har()]);
  });

  it('stays up, forwards nothing it refuses, and prints no key', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        runs += 1;
        const before = upstream.received.length;
        const res = await sendRaw(proxy.port, bytesOf(r), ANSWER_MS);
        expect(res).toBeDefined();
        expect(proxy.child.exitCode).toBeNull();
        if (res?.headers['x-obs-sse-proxy'] === 'blocked') expect(upstream.received.length).toBe(before);
        expect(
          leaks(`${res?.statusLine ?? ''}${JSON.stringify(res?.headers ?? {})}${res?.body ?? ''}`),
        ).toEqual([]);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, endOnFailure: true },
    );
    expect(runs).toBeGreaterThan(10);
    // Still answering after everything it was sent.
    expect(
      (await sendRaw(proxy.port, { method: 'GET', target: '/b/k', headers: [['Host', '127.0.0.1']] }))
        ?.status,
    ).toBe(200);
    const exit = await stopBinProxy(proxy);
    expect(exit.code).toBe(0);
    expect(leaks(proxy.stdout() + proxy.stderr())).toEqual([]);
    const harText = readFileSync(har(), 'utf8');
    expect(() => JSON.parse(harText) as unknown).not.toThrow();
    if (process.env.FUZZ_DEBUG)
      for (const k of leaks(harText))
        console.log(harText.slice(harText.indexOf(k) - 400, harText.indexOf(k) + 60));
    expect(leaks(harText)).toEqual([]);
  });
});

describe('obsSseMiddleware under fuzzing', () => {
  it('stays up, lets nothing it refuses reach the next handler, and prints no key', async () => {
    const lines: string[] = [];
    let reached = 0;
    const mw = obsSseMiddleware({ upstreamScheme: 'https', log: (l) => lines.push(JSON.stringify(l)) });
    const server = http.createServer((req, res) =>
      mw(req, res, (err?: unknown) => {
        if (err) {
          res.statusCode = 500;
          res.end();
          return;
        }
        reached += 1;
        // An empty body has ended while the middleware read the form: a late 'end' listener would wait forever.
        if (req.readableEnded) res.end('forwarded');
        else req.resume().on('end', () => res.end('forwarded'));
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const before = reached;
          const res = await sendRaw(port, bytesOf(r), ANSWER_MS);
          expect(res).toBeDefined();
          if (res?.headers['x-obs-sse-proxy'] === 'blocked') expect(reached).toBe(before);
          expect(leaks(`${JSON.stringify(res?.headers ?? {})}${res?.body ?? ''}`)).toEqual([]);
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, endOnFailure: true },
      );
      expect(
        (await sendRaw(port, { method: 'GET', target: '/b/k', headers: [['Host', '127.0.0.1']] }))?.status,
      ).toBe(200);
      expect(leaks(lines.join('\n'))).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
