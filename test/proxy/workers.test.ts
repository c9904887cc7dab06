/**
 * `obs-sse proxy --workers N`: the real binary with two worker processes (node:cluster). Workers share
 * multipart sessions through the primary (no Redis) or through Redis, drain together on SIGTERM, and
 * a worker that dies is replaced.
 *
 * New connections are handed to the workers in turn (node:cluster's round-robin, its default on
 * Linux), so an initiate and its part, each on a connection of its own, reach different workers.
 */
import { startStandin, type Standin } from '../../src/standin/server';
import { freshBin } from '../support/dist';
import { initiate, KEY_A, KEY_B, part, refusedCodes } from '../support/multipart';
import { startRedis } from '../support/servers';
import { eventually, request, startCliProxy, startUpstream, type CliProxy, type Upstream } from './helpers';

jest.setTimeout(90_000);

let bin: string;
let proxy: CliProxy | undefined;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  bin = await freshBin();
});

afterEach(async () => {
  if (proxy && proxy.child.exitCode === null) {
    proxy.child.kill('SIGKILL');
    // The workers notice their primary is gone (the IPC channel closes) and stop too.
    for (const pid of workerPids(proxy)) {
      await eventually(() => !alive(pid), 5000);
    }
  }
  proxy = undefined;
  for (const c of cleanups.splice(0)) await c();
});

function workerPids(p: CliProxy, event = 'worker_started'): number[] {
  return p.logs().flatMap((l) => (l.event === event ? [l.pid as number] : []));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function standin(): Promise<Standin> {
  const s = await startStandin();
  cleanups.push(() => s.close());
  return s;
}

async function workers(upstream: string, ...args: string[]): Promise<CliProxy> {
  proxy = await startCliProxy(
    [bin],
    ['--upstream', upstream, '--workers', '2', '--rule', 'transport/https-required=off', ...args],
  );
  expect(await eventually(() => workerPids(proxy!, 'worker_listening').length === 2, 20_000)).toBe(true);
  return proxy;
}

async function crossWorkerParts(port: number, bucket: string): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; i < 4; i++) {
    const path = `/${bucket}/object-${i}.bin`;
    const init = await initiate(port, path, KEY_A);
    expect(init.status).toBe(200);
    out.push(refusedCodes((await part(port, path, init.uploadId!, 1, KEY_B)).body));
    expect((await part(port, path, init.uploadId!, 1, KEY_A)).status).toBe(200);
  }
  return out;
}

test('without Redis the workers share sessions through the primary', async () => {
  const s = await standin();
  const p = await workers(s.url);
  expect(await crossWorkerParts(p.port, 'ipc-shared')).toEqual(Array(4).fill(['session/key-mismatch']));
});

test('with --session-store the workers share sessions through Redis', async () => {
  const [s, redis] = await Promise.all([standin(), startRedis()]);
  cleanups.push(() => redis.stop(true));
  const p = await workers(s.url, '--session-store', redis.url);
  expect(await crossWorkerParts(p.port, 'redis-shared')).toEqual(Array(4).fill(['session/key-mismatch']));
});

describe('lifecycle', () => {
  let upstream: Upstream;
  const releases: Array<() => void> = [];
  beforeEach(async () => {
    upstream = await startUpstream((req, res, rec) => {
      if (req.url?.startsWith('/slow')) {
        void rec.settled.then(() => releases.push(() => res.end(`done ${req.url}`)));
      } else {
        void rec.settled.then(() => res.end('ok'));
      }
    });
    cleanups.push(() => upstream.close());
  });

  test('SIGTERM drains every worker together, then the primary exits 0', async () => {
    const p = await workers(upstream.url.origin);
    // Two connections: one in flight on each worker.
    const inflight = [request(p.port, { path: '/slow/1' }), request(p.port, { path: '/slow/2' })];
    expect(await eventually(() => releases.length === 2)).toBe(true);
    p.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await expect(request(p.port, { path: '/new' })).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    expect(p.child.exitCode).toBeNull();
    for (const release of releases) release();
    const answers = await Promise.all(inflight);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body).sort()).toEqual(['done /slow/1', 'done /slow/2']);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    const pids = workerPids(p);
    expect(pids.every((pid) => !alive(pid))).toBe(true);
    const closed = p.logs().filter((l) => l.event === 'closed');
    expect(closed).toHaveLength(2);
    expect(closed.map((l) => l.inFlightAtClose)).toEqual([1, 1]);
    expect(p.logs().at(-1)).toMatchObject({ event: 'stopped' });
  });

  test('a worker that dies is replaced, and traffic goes on', async () => {
    const p = await workers(upstream.url.origin);
    const [first] = workerPids(p);
    process.kill(first!, 'SIGKILL');
    expect(await eventually(() => workerPids(p, 'worker_listening').length === 3, 20_000)).toBe(true);
    expect(p.logs()).toContainEqual(
      expect.objectContaining({ event: 'worker_exit', pid: first, signal: 'SIGKILL' }),
    );
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await request(p.port, { path: `/after/${i}` })).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
  });
});
