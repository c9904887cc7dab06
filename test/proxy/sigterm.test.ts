import { freshBin } from '../support/dist';
import {
  startChildProxy,
  startCliProxy,
  startUpstream,
  request,
  eventually,
  type ChildProxy,
  type CliProxy,
  type Upstream,
} from './helpers';

let upstream: Upstream;
let child: ChildProxy | CliProxy | undefined;
const releases: Array<() => void> = [];

beforeEach(async () => {
  upstream = await startUpstream((req, res, rec) => {
    // Each request waits until the test releases it, so it is in flight when the signal arrives.
    void rec.settled.then(() => releases.push(() => res.end(`done ${req.url}`)));
  });
});

afterEach(async () => {
  if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
  releases.length = 0;
  await upstream.close();
});

test('SIGTERM stops accepting, lets the in-flight request finish, then exits 0', async () => {
  child = await startChildProxy({ upstream: upstream.url.href, graceMs: 10_000 });
  const port = child.port;
  const inflight = request(port, { path: '/slow' });
  expect(await eventually(() => releases.length === 1)).toBe(true);
  child.child.kill('SIGTERM');
  // New connections are refused once the listener is closed, while the old exchange is still open.
  await new Promise((r) => setTimeout(r, 200));
  await expect(request(port, { path: '/new' })).rejects.toThrow(/ECONNREFUSED/);
  expect(child.child.exitCode).toBeNull();
  releases[0]!();
  const res = await inflight;
  expect(res.status).toBe(200);
  expect(res.body).toBe('done /slow');
  expect(res.headers.connection).toBe('close');
  const exit = await child.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  const lines = child
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.find((l) => l.event === 'exchange')).toMatchObject({ url: '/slow', status: 200 });
  expect(lines.at(-1)).toMatchObject({ event: 'closed', inFlightAtClose: 1, forced: 0 });
});

test('the grace period bounds the drain: a request that outlives it is cut and the process still exits', async () => {
  child = await startChildProxy({ upstream: upstream.url.href, graceMs: 300 });
  const inflight = request(child.port, { path: '/stuck' }).then(
    (r) => `status ${r.status}`,
    (e: Error) => `error ${e.message}`,
  );
  expect(await eventually(() => releases.length === 1)).toBe(true);
  const signalled = Date.now();
  child.child.kill('SIGTERM');
  const exit = await child.exited;
  const took = Date.now() - signalled;
  expect(exit.code).toBe(0);
  expect(took).toBeGreaterThanOrEqual(250);
  expect(took).toBeLessThan(5000);
  expect(await inflight).toMatch(/^error /);
  // The upstream saw the proxy go away too: its end of the cut exchange is closed.
  expect(await eventually(async () => (await upstream.openConnections()) === 0)).toBe(true);
  expect(child.stdout()).toContain('"forced":1');
});

test('obs-sse proxy: a second signal during the drain exits 1 at once (docs/proxy.md), not by the signal', async () => {
  child = await startCliProxy([await freshBin()], ['--upstream', upstream.url.href]);
  const inflight = request(child.port, { path: '/held' }).catch((e: Error) => e);
  expect(await eventually(() => releases.length === 1)).toBe(true);
  child.child.kill('SIGTERM');
  // The first signal starts a drain that waits for /held; the second gives it up.
  await new Promise((r) => setTimeout(r, 200));
  expect(child.child.exitCode).toBeNull();
  child.child.kill('SIGTERM');
  expect(await child.exited).toEqual({ code: 1, signal: null });
  await inflight;
});
