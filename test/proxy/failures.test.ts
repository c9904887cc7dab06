import * as http from 'node:http';
import * as net from 'node:net';

import {
  startProxy,
  startUpstream,
  request,
  RawClient,
  eventually,
  type Upstream,
  type TestProxy,
} from './helpers';

let upstream: Upstream | undefined;
let proxy: TestProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Whether a GET through the proxy arrives whole (`complete`) or is cut off (`aborted`). */
function responseOutcome(port: number): Promise<'complete' | 'aborted'> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/b/k', agent: false }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve('complete'));
      res.on('error', () => resolve('aborted'));
      res.on('aborted', () => resolve('aborted'));
    });
    req.on('error', () => resolve('aborted'));
  });
}

test('an unreachable upstream gives 502 BadGateway naming the cause, and the proxy keeps serving', async () => {
  const port = await closedPort();
  proxy = await startProxy(new URL(`http://127.0.0.1:${port}`));
  const res = await request(proxy.port, { path: '/b/k' });
  expect(res.status).toBe(502);
  expect(res.headers['content-type']).toBe('application/xml');
  expect(res.body).toContain('<Code>BadGateway</Code>');
  expect(res.body).toContain(`could not reach the upstream http://127.0.0.1:${port} (ECONNREFUSED)`);
  const withBody = await request(proxy.port, { path: '/b/k', method: 'PUT', body: 'x'.repeat(100_000) });
  expect(withBody.status).toBe(502);
  await proxy.waitForExchanges(2);
  const lines = proxy.logs.filter((l) => l.event === 'exchange');
  expect(lines.map((l) => l.error)).toEqual(['upstream_error:ECONNREFUSED', 'upstream_error:ECONNREFUSED']);
  expect(lines.map((l) => l.upstreamMs)).toEqual([null, null]);
});

test('an upstream that never answers gives 504 GatewayTimeout after upstreamTimeout and is aborted', async () => {
  upstream = await startUpstream(() => undefined);
  proxy = await startProxy(upstream.url, { upstreamTimeout: 300 });
  const started = Date.now();
  const res = await request(proxy.port, { path: '/b/k' });
  const elapsed = Date.now() - started;
  expect(res.status).toBe(504);
  expect(res.body).toContain('<Code>GatewayTimeout</Code>');
  expect(elapsed).toBeGreaterThanOrEqual(280);
  expect(elapsed).toBeLessThan(3000);
  // The abandoned upstream connection is closed, not parked in the pool.
  expect(await eventually(() => proxy!.proxy.stats().upstreamSockets.active === 0)).toBe(true);
  expect(await eventually(async () => (await upstream!.openConnections()) === 0)).toBe(true);
  expect(proxy.proxy.stats().upstreamSockets.free).toBe(0);
  await proxy.waitForExchanges(1);
  expect(proxy.logs.find((l) => l.event === 'exchange')!.error).toBe('upstream_timeout');
});

// After an abort, undici opens a spare connection for the aborted request's queue slot and then skips the
// request; that connection idles until upstreamKeepAliveTimeout. The abort tests shorten the timeout so
// "no sockets behind" is reached quickly.
const SPARE_IDLE_MS = 300;

test('a client that aborts mid-upload aborts the upstream request, leaving no sockets behind', async () => {
  upstream = await startUpstream(() => undefined);
  proxy = await startProxy(upstream.url, { upstreamKeepAliveTimeout: SPARE_IDLE_MS });
  const client = await RawClient.connect(proxy.port);
  await client.write('PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n');
  await client.write(Buffer.alloc(1024 * 1024, 1));
  expect(await eventually(() => (upstream!.received[0]?.bodyBytes ?? 0) >= 512 * 1024)).toBe(true);
  client.destroy();
  const rec = upstream.received[0]!;
  await rec.settled;
  expect(rec.aborted).toBe(true);
  expect(rec.complete).toBe(false);
  expect(rec.bodyBytes).toBeLessThan(10_000_000);
  await proxy.waitForExchanges(1);
  expect(proxy.logs.find((l) => l.event === 'exchange')).toMatchObject({
    error: 'client_aborted',
    status: null,
  });
  expect(
    await eventually(() => {
      const s = proxy!.proxy.stats();
      return (
        s.clientConnections === 0 &&
        s.inFlight === 0 &&
        s.upstreamSockets.active === 0 &&
        s.upstreamSockets.free === 0
      );
    }),
  ).toBe(true);
  expect(await eventually(async () => (await upstream!.openConnections()) === 0)).toBe(true);
});

test('a client that disconnects while waiting for the response aborts the upstream request', async () => {
  upstream = await startUpstream(() => undefined);
  proxy = await startProxy(upstream.url, { upstreamKeepAliveTimeout: SPARE_IDLE_MS });
  const client = await RawClient.connect(proxy.port);
  await client.write('GET /b/k HTTP/1.1\r\nHost: x\r\n\r\n');
  expect(await eventually(() => upstream!.received.length === 1)).toBe(true);
  client.destroy();
  await upstream.received[0]!.settled;
  expect(await eventually(() => proxy!.proxy.stats().upstreamSockets.active === 0)).toBe(true);
  expect(await eventually(async () => (await upstream!.openConnections()) === 0)).toBe(true);
});

test('an oversized request head gets 431 and the proxy keeps serving', async () => {
  upstream = await startUpstream();
  proxy = await startProxy(upstream.url);
  const client = await RawClient.connect(proxy.port);
  await client.write(`GET /b/k HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
  const res = await client.readResponse();
  expect(res?.status).toBe(431);
  expect(res?.headers.connection).toBe('close');
  expect(res?.body).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
  expect(await client.waitClosed()).toBe(true);
  expect(upstream.received).toHaveLength(0);
  const next = await request(proxy.port, { path: '/b/k' });
  expect(next.status).toBe(200);
});

test('a malformed request gets 400 InvalidRequest and the proxy keeps serving', async () => {
  upstream = await startUpstream();
  proxy = await startProxy(upstream.url);
  const client = await RawClient.connect(proxy.port);
  await client.write('THIS IS NOT HTTP\r\n\r\n');
  const res = await client.readResponse();
  expect(res?.status).toBe(400);
  expect(res?.body).toContain('<Code>InvalidRequest</Code>');
  expect(await client.waitClosed()).toBe(true);
  expect(proxy.logs.some((l) => l.event === 'client_error' && l.error === 'malformed_request')).toBe(true);
  const next = await request(proxy.port, { path: '/b/k' });
  expect(next.status).toBe(200);
});

test('a client that stalls inside its request head gets 408 and is disconnected', async () => {
  upstream = await startUpstream();
  proxy = await startProxy(upstream.url, { headersTimeout: 300, requestTimeout: 600 });
  const client = await RawClient.connect(proxy.port);
  const started = Date.now();
  await client.write('GET /b/k HTTP/1.1\r\nHost: x\r\n');
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(408);
  expect(res?.body).toContain('<Code>RequestTimeout</Code>');
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(await client.waitClosed()).toBe(true);
  expect(upstream.received).toHaveLength(0);
});

test('a client that stalls mid-body gets 408 and the upstream request is aborted', async () => {
  upstream = await startUpstream(() => undefined);
  proxy = await startProxy(upstream.url, { headersTimeout: 300, requestTimeout: 600 });
  const client = await RawClient.connect(proxy.port);
  await client.write('PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(10));
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(408);
  expect(await client.waitClosed()).toBe(true);
  const rec = upstream.received[0]!;
  await rec.settled;
  expect(rec.aborted).toBe(true);
  await proxy.waitForExchanges(1);
  expect(proxy.logs.find((l) => l.event === 'exchange')).toMatchObject({
    status: 408,
    error: 'request_timeout',
  });
});

test('an upstream that dies mid-response truncates the client response instead of completing it', async () => {
  upstream = await startUpstream((req, res) => {
    req.on('end', () => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.destroy(), 20);
    });
  });
  proxy = await startProxy(upstream.url);
  const outcome = await responseOutcome(proxy.port);
  expect(outcome).toBe('aborted');
  await proxy.waitForExchanges(1);
  expect(proxy.logs.find((l) => l.event === 'exchange')!.error).toBeDefined();
});

test('a pooled upstream connection that dies on reuse is retried once for a body-less request only', async () => {
  // Simulates the keep-alive race: the upstream drops a reused connection as the next request arrives.
  const served = new WeakMap<net.Socket, number>();
  upstream = await startUpstream((req, res, rec) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    // '/three' dies on any connection: the pool may well give it a fresh one.
    if (n > 1 || req.url === '/three') {
      req.socket.destroy();
      return;
    }
    void rec.settled.then(() => res.end('ok'));
  });
  proxy = await startProxy(upstream.url, { upstreamKeepAliveTimeout: 60_000 });
  expect((await request(proxy.port, { path: '/one' })).status).toBe(200);
  expect(proxy.proxy.stats().upstreamSockets.free).toBe(1);
  const res = await request(proxy.port, { path: '/two' });
  expect(res.status).toBe(200);
  expect(upstream.received.map((r) => r.url)).toEqual(['/one', '/two', '/two']);
  // A request with a body may already have been acted on: no retry, the client gets the 502.
  const put = await request(proxy.port, { path: '/three', method: 'PUT', body: 'data' });
  expect(put.status).toBe(502);
  expect(upstream.received.map((r) => r.url)).toEqual(['/one', '/two', '/two', '/three']);
});

test('an upstream that goes silent mid-response is cut off after upstreamTimeout, and so is the client', async () => {
  upstream = await startUpstream((req, res) => {
    req.on('end', () => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
    });
  });
  proxy = await startProxy(upstream.url, { upstreamTimeout: 300 });
  const started = Date.now();
  const outcome = await responseOutcome(proxy.port);
  expect(outcome).toBe('aborted');
  expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  await proxy.waitForExchanges(1);
  expect(proxy.logs.find((l) => l.event === 'exchange')).toMatchObject({
    status: 200,
    error: 'upstream_response_aborted',
  });
  expect(await eventually(async () => (await upstream!.openConnections()) === 0)).toBe(true);
});

test('a client uploading slowly, for longer than upstreamTimeout in all, does not trip it', async () => {
  upstream = await startUpstream();
  proxy = await startProxy(upstream.url, { upstreamTimeout: 300 });
  const client = await RawClient.connect(proxy.port);
  await client.write('PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n');
  // 8 bytes over about 800 ms: every gap is below the timeout, the whole upload is not.
  for (let i = 0; i < 8; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    await client.write('u');
  }
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(200);
  expect(upstream.received[0]).toMatchObject({ bodyBytes: 8, complete: true });
  client.destroy();
});

test('an upstream that stops reading an upload gives 504 after upstreamTimeout', async () => {
  // Reads nothing and answers nothing: once the socket buffers fill, the upstream is silent.
  upstream = await startUpstream((req) => req.pause());
  proxy = await startProxy(upstream.url, { upstreamTimeout: 300 });
  const started = Date.now();
  const res = await request(proxy.port, {
    path: '/b/k',
    method: 'PUT',
    body: Buffer.alloc(16 * 1024 * 1024),
  });
  expect(res.status).toBe(504);
  expect(res.body).toContain('<Code>GatewayTimeout</Code>');
  expect(Date.now() - started).toBeLessThan(5000);
});

test('with Expect: 100-continue (sent through node:http) an unreachable upstream also gives 502', async () => {
  const port = await closedPort();
  proxy = await startProxy(new URL(`http://127.0.0.1:${port}`));
  const client = await RawClient.connect(proxy.port);
  await client.write('PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(502);
  expect(res?.body).toContain(`could not reach the upstream http://127.0.0.1:${port} (ECONNREFUSED)`);
  client.destroy();
  await proxy.waitForExchanges(1);
  expect(proxy.logs.find((l) => l.event === 'exchange')!.error).toBe('upstream_error:ECONNREFUSED');
});
