/**
 * The shared session store against a real redis-server (started here on a free loopback port, no
 * persistence): what it stores, two `obs-sse proxy` processes sharing one Redis, and both failure
 * policies when Redis dies mid-test.
 */
import { Redis } from 'ioredis';

import { parseAuthzArgs, startAuthz } from '../../src/authz/command';
import { createEngineGuard } from '../../src/guard/engine-guard';
import type { GuardRequest } from '../../src/proxy/types';
import { openSessionStores } from '../../src/session-store';
import { startStandin, type Standin } from '../../src/standin/server';
import { eventually, startCliProxy, type CliProxy } from '../proxy/helpers';
import { freshBin } from '../support/dist';
import { initiate, KEY_A, KEY_B, KEYS_B64, part, refusedCodes, send } from '../support/multipart';
import { landed } from '../support/redis';
import { startRedis, type TestServer } from '../support/servers';

jest.setTimeout(60_000);

let standin: Standin;
let bin: string;
const proxies: CliProxy[] = [];
const servers: TestServer[] = [];

beforeAll(async () => {
  [standin, bin] = await Promise.all([startStandin(), freshBin()]);
});

afterEach(async () => {
  for (const p of proxies.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => s.stop(true)));
});

afterAll(() => standin.close());

async function redis(): Promise<TestServer> {
  const s = await startRedis();
  servers.push(s);
  return s;
}

/** `obs-sse proxy` in front of the stand-in over plain HTTP (so the HTTPS rule is turned off). */
async function proxy(...args: string[]): Promise<CliProxy> {
  const p = await startCliProxy(
    [bin],
    ['--upstream', standin.url, '--rule', 'transport/https-required=off', ...args],
  );
  proxies.push(p);
  return p;
}

/** The store's own lines (connection up and down) are not what these tests look at. */
const quiet = (): void => undefined;

function noKeyIn(text: string): void {
  for (const k of KEYS_B64) expect(text).not.toContain(k);
}

test('the Redis store keeps the client-sent key MD5 per upload id with a TTL, never the key', async () => {
  const server = await redis();
  const a = await openSessionStores({ url: `${server.url}/3`, ttlMs: 60_000, log: quiet });
  const b = await openSessionStores({ url: `${server.url}/3`, log: quiet });
  try {
    // A caller handing over more than a fingerprint (here, a key) must not get it stored.
    const leaky = { algorithm: 'AES256', keyMd5: 'md5-of-A', dialect: 'obs', key: KEYS_B64[0] } as const;
    a.store.set('upload-1', leaky);
    const raw = new Redis(`${server.url}/3`);
    try {
      let value: string | null = null;
      for (let i = 0; i < 100 && value === null; i++) {
        value = await raw.get('obs-sse:upload:upload-1');
        if (value === null) await new Promise((r) => setTimeout(r, 10));
      }
      expect(JSON.parse(value!)).toEqual({ a: 'AES256', m: 'md5-of-A', d: 'obs' });
      const ttl = await raw.pttl('obs-sse:upload:upload-1');
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      noKeyIn(JSON.stringify(await raw.keys('*')) + value!);
    } finally {
      raw.disconnect();
    }
    // Another store (another process, in production) only knows it after loading it.
    expect(b.store.get('upload-1')).toBeUndefined();
    await b.store.load(['upload-1']);
    expect(b.store.get('upload-1')).toEqual({ algorithm: 'AES256', keyMd5: 'md5-of-A', dialect: 'obs' });
    b.store.delete('upload-1');
    await new Promise((r) => setTimeout(r, 50));
    await a.store.load(['upload-1']);
    // a still holds its own copy; a third reader sees the deletion.
    const c = await openSessionStores({ url: `${server.url}/3`, log: quiet });
    await c.store.load(['upload-1']);
    expect(c.store.get('upload-1')).toBeUndefined();
    await c.close();
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a malformed store URL or an unreachable Redis is refused at start, without echoing a password', async () => {
  await expect(openSessionStores({ url: 'http://127.0.0.1:1' })).rejects.toThrow(/redis:\/\//);
  await expect(openSessionStores({ url: 'redis://127.0.0.1:6379/x' })).rejects.toThrow(/database/);
  const err = await openSessionStores({
    url: 'redis://:s3cret-pass@127.0.0.1:1',
    connectTimeoutMs: 500,
  }).catch((e: Error) => e);
  expect(String(err)).toMatch(/cannot reach the session store redis:\/\/127\.0\.0\.1:1/);
  expect(String(err)).not.toContain('s3cret-pass');
});

test('two proxies share one Redis: a part under another key through the other proxy is refused', async () => {
  const server = await redis();
  const [one, two] = await Promise.all([
    proxy('--session-store', server.url),
    proxy('--session-store', server.url),
  ]);
  const path = '/shared-bucket/big.bin';
  const init = await initiate(one.port, path, KEY_A);
  expect(init.status).toBe(200);
  expect(init.uploadId).toBeDefined();
  const wrong = await part(two.port, path, init.uploadId!, 1, KEY_B);
  expect(wrong.status).toBe(400);
  expect(wrong.body).toContain('<Code>InvalidArgument</Code>');
  expect(refusedCodes(wrong.body)).toEqual(['session/key-mismatch']);
  const right = await part(two.port, path, init.uploadId!, 1, KEY_A);
  expect(right.status).toBe(200);
  // Without the shared store the second proxy would not have known the upload: prove it knew.
  const verdicts = (): unknown[] => two.logs().flatMap((l) => (l.event === 'exchange' ? [l.verdict] : []));
  expect(await eventually(() => verdicts().length === 2)).toBe(true);
  expect(verdicts()).toEqual(['blocked', 'pass']);
  noKeyIn(one.stdout() + one.stderr() + two.stdout() + two.stderr());
});

describe.each(['closed', 'open'] as const)('Redis dies mid-upload, --session-store-failure %s', (policy) => {
  test(
    policy === 'closed' ? 'parts are refused and logged' : 'parts pass unchecked and are logged',
    async () => {
      const server = await redis();
      const [one, two] = await Promise.all([
        proxy('--session-store', server.url, '--session-store-failure', policy),
        proxy('--session-store', server.url, '--session-store-failure', policy),
      ]);
      const path = `/failing-${policy}/big.bin`;
      const init = await initiate(one.port, path, KEY_A);
      expect(init.status).toBe(200);
      await server.stop(true);
      const r = await part(two.port, path, init.uploadId!, 1, KEY_B);
      if (policy === 'closed') {
        expect(r.status).toBe(400);
        expect(refusedCodes(r.body)).toEqual(['session/store-unavailable']);
      } else {
        // Forwarded unchecked: the stand-in, which knows the upload's key, is the one that refuses it.
        expect(r.headers['x-obs-sse-proxy']).toBeUndefined();
        expect(r.status).toBe(403);
      }
      const errors = (): Array<Record<string, unknown>> =>
        two.logs().filter((l) => l.event === 'session_store_error');
      expect(await eventually(() => errors().length > 0)).toBe(true);
      expect(errors()[0]).toMatchObject({ op: 'get', policy, store: server.url });
      // Nothing else is disturbed: a request that needs no session still goes through.
      const plain = await initiate(two.port, `/failing-${policy}/other.bin`, KEY_A);
      expect(plain.status).toBe(200);
      noKeyIn(two.stdout() + two.stderr());
    },
  );
});

test('two authz replicas share one Redis: an initiate seen by one binds the parts the other judges', async () => {
  const server = await redis();
  const start = () =>
    startAuthz(
      parseAuthzArgs(['--listen', '127.0.0.1:0', '--gateway', 'nginx', '--session-store', server.url]),
      () => undefined,
    );
  const [a, b] = await Promise.all([start(), start()]);
  try {
    const ask = (port: number, method: string, uri: string, key: Record<string, string>) =>
      send(port, 'GET', '/', { 'X-Original-Method': method, 'X-Original-URI': uri, ...key });
    expect((await ask(a.port, 'POST', '/replicas/big.bin?uploads', KEY_A)).status).toBe(200);
    // The pending initiate is written to Redis in the background (in real life the part comes after
    // OBS's answer to the initiate): wait until it is there.
    await landed(server.url, 'obs-sse:initiate:replicas\nbig.bin');
    const wrong = await ask(b.port, 'PUT', '/replicas/big.bin?partNumber=1&uploadId=u-1', KEY_B);
    expect(wrong.status).toBe(403);
    expect(refusedCodes(wrong.body)).toEqual(['session/key-mismatch']);
    expect((await ask(b.port, 'PUT', '/replicas/big.bin?partNumber=1&uploadId=u-1', KEY_A)).status).toBe(200);
    // The first part bound the upload id; the other replica now checks it by id.
    await landed(server.url, 'obs-sse:upload:u-1');
    const later = await ask(a.port, 'PUT', '/replicas/big.bin?partNumber=2&uploadId=u-1', KEY_B);
    expect(refusedCodes(later.body)).toEqual(['session/key-mismatch']);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('appends share the first append through Redis too: a later append under another key is refused', async () => {
  const server = await redis();
  const [one, two] = await Promise.all([
    openSessionStores({ url: server.url, log: quiet }),
    openSessionStores({ url: server.url, log: quiet }),
  ]);
  try {
    const guards = [one, two].map((s) => createEngineGuard({ store: s.store, pending: s.pending }));
    const append = (position: number, key: Record<string, string>): GuardRequest => ({
      method: 'POST',
      url: `/logs/app.log?append&position=${position}`,
      headers: [['Host', '127.0.0.1'], ...Object.entries(key)],
      upstreamScheme: 'https',
    });
    const first = append(0, KEY_A);
    const verdict = guards[0]!.checkRequest(first);
    expect(verdict.block).toBe(false);
    guards[0]!.checkResponse(first, { status: 200, headers: [] }, verdict);
    await landed(server.url, 'obs-sse:upload:append\nlogs\napp.log');
    const later = append(1024, KEY_B);
    await guards[1]!.prepareRequest(later);
    expect(guards[1]!.checkRequest(later).codes).toEqual(['append/key-mismatch']);
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
});

test('a completion is checked against the shared session too: no session/unknown-upload on another guard', async () => {
  const server = await redis();
  const stores = await Promise.all([0, 1, 2].map(() => openSessionStores({ url: server.url, log: quiet })));
  try {
    const [opener, completer, unprepared] = stores.map((s) =>
      createEngineGuard({ store: s.store, pending: s.pending }),
    );
    const req = (method: string, url: string): GuardRequest => ({
      method,
      url,
      headers: [['Host', '127.0.0.1'], ...Object.entries(KEY_A)],
      upstreamScheme: 'https',
    });
    const init = req('POST', '/done/big.bin?uploads');
    const verdict = opener!.checkRequest(init);
    const head = { status: 200, headers: [] };
    expect(opener!.checkResponse(init, head, verdict).wantBody).toBe(true);
    const body =
      '<InitiateMultipartUploadResult><Bucket>done</Bucket><Key>big.bin</Key><UploadId>u-done</UploadId></InitiateMultipartUploadResult>';
    opener!.observeResponseBody(init, head, body, verdict);
    await landed(server.url, 'obs-sse:upload:u-done');
    const complete = { ...req('POST', '/done/big.bin?uploadId=u-done'), headers: [['Host', '127.0.0.1']] };
    // A guard that does not fetch first only has its own cache: the upload is unknown to it.
    expect(unprepared!.checkRequest(complete as GuardRequest).codes).toEqual(['session/unknown-upload']);
    await completer!.prepareRequest(complete as GuardRequest);
    expect(completer!.checkRequest(complete as GuardRequest).codes).toEqual([]);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});

test('with Redis down under the closed policy, a completion is forwarded with session/unknown-upload', async () => {
  const server = await redis();
  const [one, two] = await Promise.all([
    proxy('--session-store', server.url),
    proxy('--session-store', server.url),
  ]);
  const path = '/failing-complete/big.bin';
  const init = await initiate(one.port, path, KEY_A);
  expect(init.status).toBe(200);
  await server.stop(true);
  // A completion carries no key to compare: refusing it would only strand the upload.
  const r = await send(two.port, 'POST', `${path}?uploadId=${encodeURIComponent(init.uploadId!)}`, {});
  expect(r.headers['x-obs-sse-proxy']).toBeUndefined();
  const exchanges = (): Array<Record<string, unknown>> => two.logs().filter((l) => l.event === 'exchange');
  expect(await eventually(() => exchanges().length === 1)).toBe(true);
  expect(exchanges()[0]).toMatchObject({ operation: 'CompleteMultipartUpload', verdict: 'pass' });
  expect(exchanges()[0]!.codes).toEqual(['session/unknown-upload']);
});
