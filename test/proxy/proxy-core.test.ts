import * as http from 'node:http';

import { sha256 } from '../support/post-form';
import {
  startProxy,
  startUpstream,
  request,
  RawClient,
  eventually,
  type Upstream,
  type TestProxy,
} from './helpers';

let upstream: Upstream;
let proxy: TestProxy;

afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
});

describe('enforce mode', () => {
  beforeEach(async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
  });

  test('a blocked request gets an OBS-style 400 naming the codes, and nothing reaches the upstream', async () => {
    const res = await request(proxy.port, {
      method: 'PUT',
      path: '/bucket/key',
      headers: { 'x-test-block': '1', 'content-type': 'text/plain' },
      body: 'payload',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.headers['x-obs-sse-proxy']).toBe('blocked');
    expect(res.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>InvalidArgument<\/Code>/);
    expect(res.body).toContain('test/blocked');
    // The second code carries XML metacharacters: they must arrive escaped, not as markup.
    expect(res.body).toContain('test/&lt;second&gt;&amp;&quot;code&quot;');
    expect(res.body).toContain('x-test-block asked for it');
    const requestId = /<RequestId>([0-9A-F]{32})<\/RequestId>/.exec(res.body)?.[1];
    expect(requestId).toBeDefined();
    expect(res.headers['x-obs-request-id']).toBe(requestId);
    expect(res.body).toContain('<HostId>obs-sse-proxy</HostId>');
    await proxy.waitForExchanges(1);
    expect(upstream.received).toHaveLength(0);
    expect(upstream.connections()).toBe(0);
  });

  test('a passing request is forwarded with its body and the upstream answer comes back', async () => {
    const res = await request(proxy.port, { method: 'PUT', path: '/bucket/key?acl', body: 'hello world' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.headers['x-upstream-saw-bytes']).toBe('11');
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.url).toBe('/bucket/key?acl');
    expect(upstream.received[0]!.method).toBe('PUT');
  });

  test('the guard sees method, url, raw headers and the upstream scheme', async () => {
    await request(proxy.port, {
      method: 'GET',
      path: '/b/k?versionId=1',
      headers: { 'X-Obs-Mixed-Case': 'v' },
    });
    const seen = proxy.guard.calls.requests[0]!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/b/k?versionId=1');
    expect(seen.upstreamScheme).toBe('http');
    expect(seen.headers).toContainEqual(['X-Obs-Mixed-Case', 'v']);
  });

  test('a guard that throws fails closed with 500 and forwards nothing', async () => {
    const res = await request(proxy.port, { path: '/b/k', headers: { 'x-test-throw': 'request' } });
    expect(res.status).toBe(500);
    expect(res.body).toContain('<Code>InternalError</Code>');
    await proxy.waitForExchanges(1);
    expect(upstream.received).toHaveLength(0);
    expect(proxy.logs.some((l) => l.event === 'guard_error')).toBe(true);
  });

  test('a small blocked body is drained and the connection stays usable', async () => {
    const client = await RawClient.connect(proxy.port);
    await client.write(
      'PUT /b/k HTTP/1.1\r\nHost: x\r\nx-test-block: 1\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(1000),
    );
    const first = await client.readResponse();
    expect(first?.status).toBe(400);
    expect(first?.headers.connection).not.toBe('close');
    await client.write('GET /b/k HTTP/1.1\r\nHost: x\r\n\r\n');
    const second = await client.readResponse();
    expect(second?.status).toBe(200);
    expect(second?.body).toBe('ok');
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.method).toBe('GET');
    client.destroy();
  });

  test('a large blocked body gets Connection: close, the client still reads the 400, the proxy keeps serving', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: proxy.port,
            method: 'PUT',
            path: '/b/k',
            agent: false,
            headers: { 'x-test-block': '1', 'content-length': body.length },
          },
          (r) => {
            let text = '';
            r.on('data', (d: Buffer) => (text += d.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: text }));
          },
        );
        // Writing may fail once the proxy closes; the response was already delivered by then.
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
        req.end(body);
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers.connection).toBe('close');
    expect(res.body).toContain('<Code>InvalidArgument</Code>');
    const next = await request(proxy.port, { path: '/b/k' });
    expect(next.status).toBe(200);
    expect(upstream.received.map((r) => r.method)).toEqual(['GET']);
  });
});

describe('report mode', () => {
  beforeEach(async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url, { mode: 'report' });
  });

  test('a request the guard would block is forwarded and logged as reported with its codes', async () => {
    const res = await request(proxy.port, {
      method: 'PUT',
      path: '/b/k',
      headers: { 'x-test-block': '1' },
      body: 'data',
    });
    expect(res.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.sha256).toBe(
      '3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7',
    );
    await proxy.waitForExchanges(1);
    const line = proxy.logs.find((l) => l.event === 'exchange')!;
    expect(line.verdict).toBe('reported');
    expect(line.codes).toEqual(['test/blocked', 'test/<second>&"code"']);
    expect(line.diagnostics).toEqual([{ code: 'test/blocked', severity: 'error', header: 'x-test-block' }]);
    expect(JSON.stringify(proxy.logs)).not.toContain('SECRET-DIAG-VALUE');
  });

  test('a guard that throws fails open in report mode', async () => {
    const res = await request(proxy.port, { path: '/b/k', headers: { 'x-test-throw': 'request' } });
    expect(res.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    await proxy.waitForExchanges(1);
    expect(proxy.logs.find((l) => l.event === 'exchange')!.codes).toEqual(['guard/check-failed']);
  });
});

describe('response checking', () => {
  test('checkResponse sees the upstream status and head; its findings are logged and never block', async () => {
    upstream = await startUpstream((req, res) => {
      req.on('end', () => {
        res.writeHead(200, {
          'x-test-flag': '1',
          'x-obs-server-side-encryption': 'kms',
          'content-type': 'text/plain',
        });
        res.end('body-from-obs');
      });
    });
    proxy = await startProxy(upstream.url);
    const res = await request(proxy.port, { path: '/b/k' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('body-from-obs');
    expect(proxy.guard.calls.responses).toHaveLength(1);
    const call = proxy.guard.calls.responses[0]!;
    expect(call.res.status).toBe(200);
    expect(call.res.headers).toContainEqual(['x-obs-server-side-encryption', 'kms']);
    expect(call.verdict.block).toBe(false);
    expect(call.req.url).toBe('/b/k');
    await proxy.waitForExchanges(1);
    expect(proxy.logs.find((l) => l.event === 'exchange')!.responseCodes).toEqual(['test/response-flag']);
  });

  test('a throwing checkResponse does not break the response', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    const res = await request(proxy.port, { path: '/b/k', headers: { 'x-test-throw': 'response' } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    await proxy.waitForExchanges(1);
    expect(proxy.logs.find((l) => l.event === 'exchange')!.responseCodes).toEqual([
      'guard/response-check-failed',
    ]);
  });
});

describe('headers', () => {
  test('hop-by-hop request headers and those named in Connection are removed; Host is the upstream; Via added', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    const client = await RawClient.connect(proxy.port);
    await client.write(
      'GET /b/k HTTP/1.1\r\n' +
        'Host: proxy.example:1234\r\n' +
        'Connection: keep-alive, X-Private-Hop\r\n' +
        'X-Private-Hop: secret\r\n' +
        'Keep-Alive: timeout=30\r\n' +
        'Proxy-Connection: keep-alive\r\n' +
        'Proxy-Authorization: Basic Zm9vOmJhcg==\r\n' +
        'TE: trailers\r\n' +
        'Trailer: X-Checksum\r\n' +
        'Upgrade: h2c\r\n' +
        'Via: 1.0 client-side-proxy\r\n' +
        'x-obs-server-side-encryption: kms\r\n' +
        'Authorization: OBS AK:sig\r\n\r\n',
    );
    const res = await client.readResponse();
    expect(res?.status).toBe(200);
    const names = upstream.received[0]!.rawHeaders.map(([n]) => n.toLowerCase());
    for (const hop of [
      'x-private-hop',
      'keep-alive',
      'proxy-connection',
      'proxy-authorization',
      'te',
      'trailer',
      'upgrade',
    ]) {
      expect(names).not.toContain(hop);
    }
    // The only Connection the upstream sees is the one node's agent adds for its own hop.
    expect(upstream.received[0]!.headers.connection).toBe('keep-alive');
    expect(upstream.received[0]!.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(upstream.received[0]!.headers.via).toBe('1.0 client-side-proxy, 1.1 obs-sse-proxy');
    expect(upstream.received[0]!.headers['x-obs-server-side-encryption']).toBe('kms');
    expect(upstream.received[0]!.headers.authorization).toBe('OBS AK:sig');
    client.destroy();
  });

  test('hop-by-hop response headers are removed, end-to-end ones kept', async () => {
    upstream = await startUpstream((req, res) => {
      req.on('end', () => {
        res.writeHead(200, {
          Connection: 'X-Upstream-Hop',
          'X-Upstream-Hop': 'drop me',
          'Proxy-Authenticate': 'Basic',
          'x-obs-request-id': 'UPSTREAM-ID',
          'Content-Length': '2',
        });
        res.end('ok');
      });
    });
    proxy = await startProxy(upstream.url);
    const res = await request(proxy.port, { path: '/b/k' });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream-hop']).toBeUndefined();
    expect(res.headers['proxy-authenticate']).toBeUndefined();
    expect(res.headers.connection).not.toContain('X-Upstream-Hop');
    expect(res.headers['x-obs-request-id']).toBe('UPSTREAM-ID');
    expect(res.headers['content-length']).toBe('2');
  });

  test('virtual-hosted Host keeps the bucket label, mapped onto the upstream host', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url, { addressing: 'virtual', publicHost: 'proxy.test' });
    await request(proxy.port, { path: '/key', headers: { host: 'my-bucket.proxy.test:9000' } });
    await request(proxy.port, { path: '/bucket/key', headers: { host: 'elsewhere.example' } });
    expect(upstream.received[0]!.headers.host).toBe(`my-bucket.127.0.0.1:${upstream.port}`);
    expect(upstream.received[1]!.headers.host).toBe(`127.0.0.1:${upstream.port}`);
  });

  test('chunked uploads are forwarded chunked; absolute-form targets become origin-form byte for byte', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    const client = await RawClient.connect(proxy.port);
    // The last chunk is held back until the upstream has the head: the length is then unknown upstream too.
    await client.write(
      'PUT http://proxy.example/b/k%2Fx?uploadId=1 HTTP/1.1\r\nHost: proxy.example\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5\r\nhello\r\n',
    );
    expect(await eventually(() => upstream.received.length === 1)).toBe(true);
    await client.write('6\r\n world\r\n0\r\n\r\n');
    const res = await client.readResponse();
    expect(res?.status).toBe(200);
    expect(upstream.received[0]!.url).toBe('/b/k%2Fx?uploadId=1');
    expect(upstream.received[0]!.headers['transfer-encoding']).toBe('chunked');
    expect(upstream.received[0]!.headers['content-length']).toBeUndefined();
    expect(upstream.received[0]!.bodyBytes).toBe(11);
    expect(upstream.received[0]!.sha256).toBe(sha256(Buffer.from('hello world')));
    client.destroy();
  });

  test('a chunked upload already whole when it is sent on may go with its Content-Length instead', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    const client = await RawClient.connect(proxy.port);
    await client.write(
      'PUT /b/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    const res = await client.readResponse();
    expect(res?.status).toBe(200);
    const headers = upstream.received[0]!.headers;
    // Exactly one framing, whichever the transport chose, and the body intact.
    expect(
      [headers['transfer-encoding'], headers['content-length']].filter((v) => v !== undefined),
    ).toHaveLength(1);
    const framing = headers['content-length'] ?? headers['transfer-encoding'];
    expect(['11', 'chunked']).toContain(framing);
    expect(upstream.received[0]!.sha256).toBe(sha256(Buffer.from('hello world')));
    client.destroy();
  });

  test('a transfer-coding other than chunked is refused with 501', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    const client = await RawClient.connect(proxy.port);
    await client.write('PUT /b/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n');
    const res = await client.readResponse();
    expect(res?.status).toBe(501);
    expect(res?.body).toContain('<Code>NotImplemented</Code>');
    expect(upstream.received).toHaveLength(0);
    client.destroy();
  });
});

describe('keep-alive', () => {
  test('client and upstream connections are reused across requests', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    let clientConnections = 0;
    proxy.proxy.server.on('connection', () => (clientConnections += 1));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 5; i += 1) {
      const res = await request(proxy.port, { path: `/b/k${i}`, agent, method: 'PUT', body: `n${i}` });
      expect(res.status).toBe(200);
    }
    agent.destroy();
    expect(upstream.received).toHaveLength(5);
    expect(clientConnections).toBe(1);
    expect(upstream.connections()).toBe(1);
    expect(proxy.proxy.stats().upstreamSockets.free).toBe(1);
  });

  test('body-less requests share one kept-alive upstream connection, and uploads another', async () => {
    // Uploads go through node:http's agent, body-less requests through undici (src/proxy/upstream-http.ts
    // says why): two pools, each reusing its one connection.
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const methods = ['HEAD', 'GET', 'PUT', 'HEAD', 'PUT', 'DELETE', 'HEAD', 'PUT'];
    for (const method of methods) {
      const res = await request(proxy.port, {
        path: '/b/k',
        agent,
        method,
        ...(method === 'PUT' && { body: 'x' }),
      });
      expect(res.status).toBe(200);
    }
    agent.destroy();
    expect(upstream.received.map((r) => r.method)).toEqual(methods);
    expect(upstream.connections()).toBe(2);
    expect(proxy.proxy.stats().upstreamSockets).toEqual({ active: 0, free: 2, pending: 0 });
  });

  // Both transports: undici carries body-less requests, node:http's agent uploads.
  const bodyOf = (method: string): { method: string; body?: string } =>
    method === 'PUT' ? { method, body: 'x' } : { method };

  test.each(['GET', 'PUT'])(
    'idle upstream connections are closed after upstreamKeepAliveTimeout (%s)',
    async (method) => {
      upstream = await startUpstream();
      proxy = await startProxy(upstream.url, { upstreamKeepAliveTimeout: 200 });
      expect((await request(proxy.port, { path: '/b/k', ...bodyOf(method) })).status).toBe(200);
      expect(proxy.proxy.stats().upstreamSockets.free).toBe(1);
      expect(await upstream.openConnections()).toBe(1);
      expect(await eventually(() => proxy.proxy.stats().upstreamSockets.free === 0, 2000)).toBe(true);
      expect(await eventually(async () => (await upstream.openConnections()) === 0, 2000)).toBe(true);
    },
  );

  test.each(['GET', 'PUT'])(
    "the upstream's shorter Keep-Alive hint wins over upstreamKeepAliveTimeout (%s)",
    async (method) => {
      upstream = await startUpstream();
      // Node answers `Keep-Alive: timeout=1`; reuse must stop a second earlier than that: at once.
      upstream.server.keepAliveTimeout = 1000;
      proxy = await startProxy(upstream.url, { upstreamKeepAliveTimeout: 60_000 });
      const first = await request(proxy.port, { path: '/b/k', ...bodyOf(method) });
      expect(first.headers['keep-alive']).toBeUndefined();
      expect(await eventually(() => proxy.proxy.stats().upstreamSockets.free === 0, 500)).toBe(true);
      upstream.server.keepAliveTimeout = 3000;
      expect((await request(proxy.port, { path: '/b/k', ...bodyOf(method) })).status).toBe(200);
      expect(proxy.proxy.stats().upstreamSockets.free).toBe(1);
      expect(await eventually(() => proxy.proxy.stats().upstreamSockets.free === 0, 4000)).toBe(true);
    },
  );
});

describe('logs and exchanges', () => {
  test('one JSON line per exchange, with redacted URL, timings and no header values', async () => {
    upstream = await startUpstream();
    proxy = await startProxy(upstream.url);
    await request(proxy.port, {
      path: '/b/k?AccessKeyId=AKSECRET&Expires=1&Signature=SIGSECRET&X-Amz-Credential=CREDSECRET&x-obs-security-token=TOKSECRET&versionId=v1',
      headers: {
        authorization: 'OBS AK:HEADERSECRET',
        'x-obs-server-side-encryption-customer-key': 'KEYSECRET',
      },
    });
    await proxy.waitForExchanges(1);
    const lines = proxy.logs.filter((l) => l.event === 'exchange');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.url).toBe(
      '/b/k?AccessKeyId=%5BREDACTED%5D&Expires=1&Signature=%5BREDACTED%5D&X-Amz-Credential=%5BREDACTED%5D&x-obs-security-token=%5BREDACTED%5D&versionId=v1',
    );
    expect(line).toMatchObject({
      method: 'GET',
      verdict: 'pass',
      status: 200,
      operation: 'GetObject',
      codes: [],
    });
    expect(typeof line.time).toBe('string');
    expect(Number.isNaN(Date.parse(line.time as string))).toBe(false);
    expect(line.upstreamMs).toEqual(expect.any(Number));
    expect(line.addedMs).toEqual(expect.any(Number));
    expect(line.addedMs as number).toBeGreaterThanOrEqual(0);
    expect(line.addedMs as number).toBeLessThan(line.totalMs as number);
    const all = JSON.stringify(proxy.logs);
    for (const secret of ['AKSECRET', 'SIGSECRET', 'CREDSECRET', 'TOKSECRET', 'HEADERSECRET', 'KEYSECRET']) {
      expect(all).not.toContain(secret);
    }
  });

  test('onExchange gets heads, status, timings and small XML bodies only', async () => {
    const bigXml = `<?xml version="1.0"?><R>${'x'.repeat(70 * 1024)}</R>`;
    upstream = await startUpstream((req, res) => {
      req.on('end', () => {
        if (req.url === '/xml') {
          res.writeHead(403, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>');
        } else if (req.url === '/big') {
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end(bigXml);
        } else {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end('<notxml/>');
        }
      });
    });
    proxy = await startProxy(upstream.url);
    const big = await request(proxy.port, { path: '/big' });
    expect(big.body).toBe(bigXml);
    await request(proxy.port, { path: '/xml', headers: { 'x-obs-meta-a': 'b' } });
    await request(proxy.port, { path: '/bin' });
    await request(proxy.port, { path: '/blocked', headers: { 'x-test-block': '1' } });
    await proxy.waitForExchanges(4);
    const [bigEx, xmlEx, binEx, blockedEx] = proxy.exchanges;
    expect(bigEx!.responseText).toBeUndefined();
    expect(bigEx!.responseBodyBytes).toBe(Buffer.byteLength(bigXml));
    expect(xmlEx!.status).toBe(403);
    expect(xmlEx!.responseText).toBe('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>');
    expect(xmlEx!.requestHeaders).toContainEqual(['x-obs-meta-a', 'b']);
    expect(xmlEx!.responseHeaders).toContainEqual(['content-type', 'application/xml']);
    expect(xmlEx!.timings.wait).toBeGreaterThanOrEqual(0);
    expect(xmlEx!.timings.total).toBeGreaterThanOrEqual(xmlEx!.timings.receive);
    expect(binEx!.responseText).toBeUndefined();
    expect(blockedEx!.verdict).toBe('blocked');
    expect(blockedEx!.status).toBe(400);
    expect(blockedEx!.responseText).toContain('<Code>InvalidArgument</Code>');
    expect(blockedEx!.timings.send).toBe(-1);
  });
});

describe('lifecycle', () => {
  test('close() waits for an in-flight exchange, refuses new connections, and leaves no sockets', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    upstream = await startUpstream((req, res) => {
      req.on('end', () => void released.then(() => res.end('late')));
    });
    proxy = await startProxy(upstream.url);
    const inflight = request(proxy.port, { path: '/slow' });
    expect(await eventually(() => upstream.received.length === 1)).toBe(true);
    let closed = false;
    const closing = proxy.proxy.close({ graceMs: 5000 }).then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    await expect(request(proxy.port, { path: '/new' })).rejects.toThrow(/ECONNREFUSED/);
    release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(res.body).toBe('late');
    await closing;
    expect(proxy.proxy.stats()).toEqual({
      clientConnections: 0,
      inFlight: 0,
      upstreamSockets: { active: 0, free: 0, pending: 0 },
    });
  });
});
