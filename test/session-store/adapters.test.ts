/**
 * The undici interceptor, the middleware and the AWS SDK plugin with a shared session store, against a real redis-server
 * (started here on a free loopback port, no persistence) and the stand-in over plain HTTP: each awaits
 * the core's `prepare` before judging a part, so a part is held to the key of an initiate another process
 * or instance saw, and a Redis that dies mid-upload is judged by the store's failure policy, as in the
 * proxy (test/session-store/redis.test.ts). Requests that read no session stay on the caller's stack.
 */
import { S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import * as http from 'node:http';
import * as net from 'node:net';
import { Agent, fetch, type Dispatcher } from 'undici';

import { obsSsePlugin } from '../../src/guard/aws-sdk';
import { guardErrorOf } from '../../src/guard/error';
import { obsSseMiddleware } from '../../src/guard/middleware';
import { obsSseGuard } from '../../src/guard/undici';
import {
  openSessionStores,
  type SessionStoreFailure,
  type SharedSessionStores,
} from '../../src/session-store';
import { startStandin, type Standin } from '../../src/standin/server';
import { eventually, startCliProxy, type CliProxy } from '../proxy/helpers';
import { freshBin } from '../support/dist';
import { forwardTo } from '../support/forward';
import { initiate, KEY_A, KEY_B, KEYS_B64, part, refusedCodes, send } from '../support/multipart';
import { landed } from '../support/redis';
import { startRedis, type TestServer } from '../support/servers';

jest.setTimeout(60_000);

type Line = Record<string, unknown>;

/** The stand-in is plain HTTP here, so the HTTPS rule is off, as `--rule transport/https-required=off`. */
const SEVERITY = { 'transport/https-required': 'off' } as const;

let standin: Standin;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  standin = await startStandin();
});

afterEach(async () => {
  // Last started, first stopped: stores close before their Redis goes.
  for (const c of cleanups.splice(0).reverse()) {
    const t = Date.now();
    await c();
    if (Date.now() - t > 100) console.log('slow cleanup', Date.now() - t, c.toString().slice(0, 80));
  }
});

afterAll(() => standin.close());

async function redis(): Promise<TestServer> {
  const s = await startRedis();
  cleanups.push(() => s.stop(true));
  return s;
}

/** One guard instance's own connection to Redis, its own cache, and its log (store lines included). */
interface Instance {
  sessions: SharedSessionStores;
  lines: Line[];
  exchanges: () => Line[];
}

async function instance(url: string, failure?: SessionStoreFailure): Promise<Instance> {
  const lines: Line[] = [];
  const log = (l: object): void => void lines.push(l as Line);
  const sessions = await openSessionStores({ url, log, ...(failure !== undefined && { failure }) });
  cleanups.push(() => sessions.close());
  return { sessions, lines, exchanges: () => lines.filter((l) => l.event === 'exchange') };
}

/** An undici Agent composed with the interceptor of its own instance. */
async function interceptor(
  url: string,
  failure?: SessionStoreFailure,
): Promise<Instance & { agent: Dispatcher }> {
  const inst = await instance(url, failure);
  const { store, pending } = inst.sessions;
  const log = (l: object): void => void inst.lines.push(l as Line);
  const agent = new Agent().compose(obsSseGuard({ store, pending, log, severity: SEVERITY }));
  cleanups.push(() => agent.close());
  return { ...inst, agent };
}

/** Sends through the interceptor to the stand-in; resolves with the status, or the guard's refusal. */
async function through(
  agent: Dispatcher,
  method: 'POST' | 'PUT',
  path: string,
  key: Record<string, string>,
  body = '',
): Promise<{ status?: number; body?: string; refused?: readonly string[] }> {
  try {
    const r = await agent.request({ origin: standin.url, path, method, headers: key, body });
    return { status: r.statusCode, body: await r.body.text() };
  } catch (err) {
    const blocked = guardErrorOf(err);
    if (blocked === undefined) throw err;
    return { refused: blocked.codes };
  }
}

/** A node:http gateway: the middleware of its own instance, then a plain forwarder to the stand-in. */
async function gateway(url: string, failure?: SessionStoreFailure): Promise<Instance & { port: number }> {
  const inst = await instance(url, failure);
  const { store, pending } = inst.sessions;
  const log = (l: object): void => void inst.lines.push(l as Line);
  const mw = obsSseMiddleware({ upstreamScheme: 'http', store, pending, log, severity: SEVERITY });
  const agent = new http.Agent({ keepAlive: true });
  const forward = forwardTo(standin.port, agent);
  const server = http.createServer((req, res) => mw(req, res, () => forward(req, res)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
        agent.destroy();
      }),
  );
  return { ...inst, port: (server.address() as net.AddressInfo).port };
}

/** A real `obs-sse proxy` process in front of the stand-in, sharing sessions through `redisUrl`. */
async function proxyProcess(redisUrl: string): Promise<CliProxy> {
  const proxy = await startCliProxy(
    [await freshBin()],
    ['--upstream', standin.url, '--rule', 'transport/https-required=off', '--session-store', redisUrl],
  );
  cleanups.push(() => void proxy.child.kill('SIGKILL'));
  return proxy;
}

/** The parts of `uploadId` the stand-in received. */
function partsAtStandin(uploadId: string): number {
  return standin.exchanges.filter((e) => e.operation === 'UploadPart' && e.url.includes(uploadId)).length;
}

function noKeyIn(lines: Line[]): void {
  const text = JSON.stringify(lines);
  for (const k of KEYS_B64) expect(text).not.toContain(k);
}

const partPath = (path: string, uploadId: string, n: number): string =>
  `${path}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`;

test('interceptor: an upload initiated through an obs-sse proxy process, continued with another key, is refused', async () => {
  const server = await redis();
  const proxy = await proxyProcess(server.url);
  const client = await interceptor(server.url);
  const path = '/adapter-undici/big.bin';
  const init = await initiate(proxy.port, path, KEY_A);
  expect(init.status).toBe(200);
  const uploadId = init.uploadId!;
  await landed(server.url, `obs-sse:upload:${uploadId}`);
  const wrong = await through(client.agent, 'PUT', partPath(path, uploadId, 1), KEY_B, 'part one');
  expect(wrong).toEqual({ refused: ['session/key-mismatch'] });
  // Refused before a byte left the process.
  expect(partsAtStandin(uploadId)).toBe(0);
  // fetch's body is a stream dispatched only after the wait: it still arrives whole.
  const right = await fetch(`${standin.url}${partPath(path, uploadId, 1)}`, {
    method: 'PUT',
    headers: KEY_A,
    body: (async function* () {
      yield Buffer.from('part ');
      yield Buffer.from('one');
    })(),
    duplex: 'half',
    dispatcher: client.agent,
  });
  expect(right.status).toBe(200);
  await right.arrayBuffer();
  const received = standin.exchanges.filter((e) => e.operation === 'UploadPart' && e.url.includes(uploadId));
  expect(received.map((e) => [e.status, e.stored?.size])).toEqual([[200, 'part one'.length]]);
  expect(client.exchanges().map((l) => [l.operation, l.verdict, l.codes])).toEqual([
    ['UploadPart', 'blocked', ['session/key-mismatch']],
    ['UploadPart', 'pass', []],
  ]);
  noKeyIn(client.lines);
});

test('middleware: an upload initiated through one gateway, continued with another key through another, is refused', async () => {
  const server = await redis();
  const [one, two] = await Promise.all([gateway(server.url), gateway(server.url)]);
  const path = '/adapter-mw/big.bin';
  const init = await initiate(one.port, path, KEY_A);
  expect(init.status).toBe(200);
  const uploadId = init.uploadId!;
  // The middleware reads no response body: the initiate waits by bucket and key until a part names its id.
  await landed(server.url, 'obs-sse:initiate:adapter-mw\nbig.bin');
  const wrong = await part(two.port, path, uploadId, 1, KEY_B);
  expect(wrong.status).toBe(400);
  expect(wrong.body).toContain('<Code>InvalidArgument</Code>');
  expect(refusedCodes(wrong.body)).toEqual(['session/key-mismatch']);
  expect(partsAtStandin(uploadId)).toBe(0);
  const right = await part(two.port, path, uploadId, 1, KEY_A);
  expect(right.status).toBe(200);
  // The first part bound the upload id in Redis: the first gateway now checks parts by id.
  await landed(server.url, `obs-sse:upload:${uploadId}`);
  const later = await part(one.port, path, uploadId, 2, KEY_B);
  expect(refusedCodes(later.body)).toEqual(['session/key-mismatch']);
  expect(await eventually(() => two.exchanges().length === 2)).toBe(true);
  expect(two.exchanges().map((l) => [l.operation, l.verdict, l.status])).toEqual([
    ['UploadPart', 'blocked', 400],
    ['UploadPart', 'pass', 200],
  ]);
  noKeyIn([...one.lines, ...two.lines]);
});

test('middleware: a client that leaves while its part waits on the store is logged, and nothing is forwarded', async () => {
  const server = await redis();
  const gw = await gateway(server.url);
  // Redis holds every command for a while: the part's session fetch waits that long.
  const raw = new Redis(server.url);
  await raw.call('CLIENT', 'PAUSE', '400');
  raw.disconnect();
  const socket = net.connect(gw.port, '127.0.0.1');
  const head = Object.entries(KEY_A)
    .map(([n, v]) => `${n}: ${v}\r\n`)
    .join('');
  socket.write(
    `PUT ${partPath('/gone/big.bin', 'gone-upload', 1)} HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}Content-Length: 4\r\n\r\npart`,
  );
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();
  expect(await eventually(() => gw.exchanges().length === 1)).toBe(true);
  expect(gw.exchanges()[0]).toMatchObject({ operation: 'UploadPart', status: null, error: 'client_aborted' });
  expect(partsAtStandin('gone-upload')).toBe(0);
});

describe.each([
  ['interceptor', 'closed'],
  ['interceptor', 'open'],
  ['middleware', 'closed'],
  ['middleware', 'open'],
] as const)('%s, Redis dies mid-upload, failure policy %s', (adapter, policy) => {
  test(
    policy === 'closed' ? 'the part is refused and logged' : 'the part goes on unchecked, logged',
    async () => {
      const server = await redis();
      const path = `/dies-${adapter}-${policy}/big.bin`;
      let uploadId: string;
      let send2: (
        key: Record<string, string>,
        p: string,
        method: 'PUT' | 'POST',
      ) => Promise<{
        status?: number;
        refused: readonly string[];
      }>;
      let second: Instance;
      if (adapter === 'interceptor') {
        // The initiate goes through another instance: the second one's cache does not hold the upload.
        const [one, two] = await Promise.all([
          interceptor(server.url, policy),
          interceptor(server.url, policy),
        ]);
        const init = await through(one.agent, 'POST', `${path}?uploads`, KEY_A);
        expect(init.status).toBe(200);
        uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body!)![1]!;
        await landed(server.url, `obs-sse:upload:${uploadId}`);
        second = two;
        send2 = async (key, p, method) => {
          const r = await through(two.agent, method, p, key, 'part one');
          return { ...(r.status !== undefined && { status: r.status }), refused: r.refused ?? [] };
        };
      } else {
        const [one, two] = await Promise.all([gateway(server.url, policy), gateway(server.url, policy)]);
        const init = await initiate(one.port, path, KEY_A);
        expect(init.status).toBe(200);
        uploadId = init.uploadId!;
        await landed(server.url, `obs-sse:initiate:dies-${adapter}-${policy}\nbig.bin`);
        second = two;
        send2 = async (key, p, method) => {
          const r = await send(two.port, method, p, key, 'part one');
          return {
            status: r.status,
            refused: r.headers['x-obs-sse-proxy'] === 'blocked' ? refusedCodes(r.body) : [],
          };
        };
      }
      await server.stop(true);
      const r = await send2(KEY_B, partPath(path, uploadId, 1), 'PUT');
      if (policy === 'closed') {
        expect(r.refused).toEqual(['session/store-unavailable']);
        expect(partsAtStandin(uploadId)).toBe(0);
      } else {
        // Forwarded unchecked: the stand-in, which knows the upload's key, is the one that refuses it.
        expect(r).toEqual({ status: 403, refused: [] });
        expect(partsAtStandin(uploadId)).toBe(1);
      }
      const parts = (): Line[] => second.exchanges().filter((l) => l.operation === 'UploadPart');
      expect(await eventually(() => parts().length === 1)).toBe(true);
      expect(parts()[0]).toMatchObject(
        policy === 'closed'
          ? { verdict: 'blocked', codes: ['session/store-unavailable'] }
          : { verdict: 'pass', codes: ['session/unknown-upload'] },
      );
      const errors = second.lines.filter((l) => l.event === 'session_store_error');
      expect(errors[0]).toMatchObject({ op: 'get', policy, store: server.url });
      // A request that reads no session goes on as before.
      const plain = await send2(KEY_A, '/dies-plain/other.bin', 'PUT');
      expect(plain.refused).toEqual([]);
      noKeyIn(second.lines);
    },
  );
});

test('only requests that read a session wait for the store: everything else stays on the caller’s stack', async () => {
  const server = await redis();
  const inst = await instance(server.url);
  const { store, pending } = inst.sessions;
  // undici: an interceptor composed inside the guard notes whether dispatch reached it synchronously.
  let onStack = false;
  const reached: boolean[] = [];
  const recorder: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
    reached.push(onStack);
    return dispatch(opts, handler);
  };
  const guard = obsSseGuard({ store, pending, log: () => undefined, severity: SEVERITY });
  const agent = new Agent().compose(recorder, guard);
  cleanups.push(() => agent.close());
  const call = async (method: 'PUT' | 'GET', path: string): Promise<void> => {
    onStack = true;
    const p = agent.request({
      origin: standin.url,
      path,
      method,
      headers: KEY_A,
      body: method === 'PUT' ? 'x' : null,
    });
    onStack = false;
    await (await p).body.dump();
  };
  await call('PUT', '/sync-bucket/object.bin');
  await call('GET', '/sync-bucket/object.bin');
  await call('PUT', '/sync-bucket/big.bin?partNumber=1&uploadId=unknown-upload');
  expect(reached).toEqual([true, true, false]);

  // The middleware: `next` runs before the middleware returns, except for the part.
  const mw = obsSseMiddleware({
    upstreamScheme: 'http',
    store,
    pending,
    log: () => undefined,
    severity: SEVERITY,
  });
  const nexts: boolean[] = [];
  const app = http.createServer((req, res) => {
    let inside = true;
    mw(req, res, () => {
      nexts.push(inside);
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    inside = false;
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => app.close(() => r())));
  const port = (app.address() as net.AddressInfo).port;
  await send(port, 'PUT', '/sync-bucket/object.bin', KEY_A, 'x');
  await send(port, 'PUT', '/sync-bucket/big.bin?partNumber=1&uploadId=unknown-upload', KEY_A, 'x');
  expect(nexts).toEqual([true, false]);
});

test('a library store opened without a log of its own still logs its failures, as JSON lines on stdout', async () => {
  const server = await redis();
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const sessions = await openSessionStores({ url: server.url });
    cleanups.push(() => sessions.close());
    await server.stop(true);
    await sessions.store.load(['u-1']);
    const lines = (): Line[] =>
      written
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line);
    expect(await eventually(() => lines().some((l) => l.event === 'session_store_error'))).toBe(true);
    expect(lines().find((l) => l.event === 'session_store_error')).toMatchObject({
      op: 'get',
      policy: 'closed',
      store: server.url,
    });
  } finally {
    spy.mockRestore();
  }
});

test('AWS SDK plugin: an upload initiated through an obs-sse proxy process, continued with another key, is refused', async () => {
  const server = await redis();
  const proxy = await proxyProcess(server.url);
  const inst = await instance(server.url);
  const { store, pending } = inst.sessions;
  const s3 = new S3Client({
    endpoint: standin.url,
    region: 'cn-north-4',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
  });
  s3.middlewareStack.use(
    obsSsePlugin({ store, pending, log: (l) => void inst.lines.push(l as Line), severity: SEVERITY }),
  );
  cleanups.push(() => s3.destroy());
  const path = '/adapter-aws/big.bin';
  const init = await initiate(proxy.port, path, KEY_A);
  const uploadId = init.uploadId!;
  await landed(server.url, `obs-sse:upload:${uploadId}`);
  // The SDK spells the key in the S3 dialect: the same key B, under x-amz- names.
  const keyB = Buffer.from(KEY_B['x-obs-server-side-encryption-customer-key']!, 'base64');
  const partB = new UploadPartCommand({
    Bucket: 'adapter-aws',
    Key: 'big.bin',
    UploadId: uploadId,
    PartNumber: 1,
    Body: 'part one',
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: keyB as unknown as string,
  });
  const err = await s3.send(partB).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(guardErrorOf(err)?.codes).toEqual(['session/key-mismatch']);
  expect(partsAtStandin(uploadId)).toBe(0);
  noKeyIn(inst.lines);
});
