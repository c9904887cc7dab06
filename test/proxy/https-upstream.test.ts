import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

import { makePki, type TestPki } from '../../src/standin/tls';
import { eventually, request, startProxy, type TestProxy } from './helpers';

let pki: TestPki;
let caPem: string;
let upstream: https.Server;
let upstreamUrl: URL;
const seen: Array<{ host?: string; sse?: string; encrypted: boolean }> = [];

beforeAll(async () => {
  pki = makePki();
  caPem = pki.caPem;
  upstream = https.createServer(pki.tls, (req, res) => {
    seen.push({
      host: req.headers.host,
      sse: req.headers['x-obs-server-side-encryption'] as string | undefined,
      encrypted: 'encrypted' in req.socket,
    });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'x-obs-server-side-encryption': 'kms' });
      res.end('secure ok');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = new URL(`https://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  pki.remove();
});

let proxy: TestProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

test('an HTTPS upstream signed by a private CA is trusted through upstreamCa', async () => {
  proxy = await startProxy(upstreamUrl, { upstreamCa: caPem });
  const res = await request(proxy.port, {
    method: 'PUT',
    path: '/b/k',
    headers: { 'x-obs-server-side-encryption': 'kms' },
    body: 'secret data',
  });
  expect(res.status).toBe(200);
  expect(res.body).toBe('secure ok');
  expect(seen.at(-1)).toEqual({ host: upstreamUrl.host, sse: 'kms', encrypted: true });
  expect(proxy.guard.calls.requests[0]!.upstreamScheme).toBe('https');
  expect(proxy.guard.calls.responses[0]!.res.headers).toContainEqual(['x-obs-server-side-encryption', 'kms']);
});

test('without the CA the upstream certificate is rejected with a 502 that says so', async () => {
  const before = seen.length;
  proxy = await startProxy(upstreamUrl);
  const res = await request(proxy.port, { path: '/b/k' });
  expect(res.status).toBe(502);
  expect(res.body).toContain('<Code>BadGateway</Code>');
  expect(res.body).toMatch(
    /could not verify the TLS certificate of the upstream .*\(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
  );
  expect(seen.length).toBe(before);
});

test('upstreamCa adds to NODE_EXTRA_CA_CERTS instead of replacing the default trust store', async () => {
  // A CA that did not sign the leaf must not make the upstream trusted; with the real CA in
  // NODE_EXTRA_CA_CERTS the same option must still leave the upstream trusted.
  const other = makePki();
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  try {
    const otherCa = Buffer.from(other.caPem);
    delete process.env.NODE_EXTRA_CA_CERTS;
    proxy = await startProxy(upstreamUrl, { upstreamCa: otherCa });
    expect((await request(proxy.port, { path: '/b/k' })).status).toBe(502);
    await proxy.close();
    process.env.NODE_EXTRA_CA_CERTS = pki.caFile;
    proxy = await startProxy(upstreamUrl, { upstreamCa: otherCa });
    expect((await request(proxy.port, { path: '/b/k' })).status).toBe(200);
  } finally {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
    other.remove();
  }
});

/** An HTTPS upstream with a certificate for `<bucket>.localhost` per bucket, noting each request's server name. */
async function bucketUpstream(buckets: readonly string[]): Promise<{
  port: number;
  caPem: string;
  names: Array<string | false | null>;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const named = makePki(buckets.map((b) => `${b}.localhost`));
  const names: Array<string | false | null> = [];
  let connections = 0;
  const server = https.createServer(named.tls, (req, res) => {
    names.push((req.socket as TLSSocket).servername);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.on('secureConnection', () => (connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    caPem: named.caPem,
    names,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      named.remove();
    },
  };
}

test('virtual-hosted buckets over HTTPS: each bucket is its TLS name, with a bounded pool per name', async () => {
  // More buckets than the transport keeps pools for (64), so the oldest pools are closed on the way.
  const buckets = Array.from({ length: 70 }, (_, i) => `b${i}`);
  const up = await bucketUpstream(buckets);
  try {
    proxy = await startProxy(new URL(`https://localhost:${up.port}`), {
      upstreamCa: up.caPem,
      addressing: 'virtual',
      publicHost: 'proxy.test',
    });
    for (const bucket of buckets) {
      const res = await request(proxy.port, { path: '/key', headers: { host: `${bucket}.proxy.test` } });
      expect(res.status).toBe(200);
    }
    expect(up.names).toEqual(buckets.map((b) => `${b}.localhost`));
    expect(up.connections()).toBe(70);
    // The six oldest pools were closed with their idle connections; the newest ones stay for reuse.
    expect(await eventually(() => proxy!.proxy.stats().upstreamSockets.free === 64)).toBe(true);
    const again = await request(proxy.port, { path: '/key', headers: { host: 'b69.proxy.test' } });
    expect(again.status).toBe(200);
    expect(up.names.at(-1)).toBe('b69.localhost');
    expect(up.connections()).toBe(70);
  } finally {
    await proxy?.close();
    proxy = undefined;
    await up.close();
  }
});

test('uploads to virtual-hosted buckets over HTTPS: each bucket is its TLS name, and its connection is reused', async () => {
  // Uploads take node:http (src/proxy/upstream-http.ts): a keep-alive agent keyed by server name, and a
  // connection of their own with Expect. Both sent the upstream's own name for every bucket before.
  const buckets = ['u0', 'u1', 'u2'];
  const up = await bucketUpstream(buckets);
  try {
    proxy = await startProxy(new URL(`https://localhost:${up.port}`), {
      upstreamCa: up.caPem,
      addressing: 'virtual',
      publicHost: 'proxy.test',
    });
    for (const bucket of [...buckets, ...buckets]) {
      const res = await request(proxy.port, {
        method: 'PUT',
        path: '/key',
        headers: { host: `${bucket}.proxy.test` },
        body: 'data',
      });
      expect(res.status).toBe(200);
    }
    for (const bucket of buckets) {
      const res = await request(proxy.port, {
        method: 'PUT',
        path: '/key',
        headers: { host: `${bucket}.proxy.test`, expect: '100-continue' },
        body: 'data',
      });
      expect(res.status).toBe(200);
    }
    expect(up.names).toEqual([...buckets, ...buckets, ...buckets].map((b) => `${b}.localhost`));
    expect(up.connections()).toBe(6);
  } finally {
    await proxy?.close();
    proxy = undefined;
    await up.close();
  }
});
