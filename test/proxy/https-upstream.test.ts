import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { request, startProxy, type TestProxy } from './helpers';

let dir: string;
let caPem: string;
let upstream: https.Server;
let upstreamUrl: URL;
const seen: Array<{ host?: string; sse?: string; encrypted: boolean }> = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  // A private CA and a leaf for 127.0.0.1, made fresh so no key material lives in the repository.
  dir = mkdtempSync(path.join(os.tmpdir(), 'obs-sse-proxy-tls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=obs-sse test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(
    path.join(dir, 'leaf.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '1',
    '-extfile',
    'leaf.ext',
  );
  caPem = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  upstream = https.createServer(
    { key: readFileSync(path.join(dir, 'leaf.key')), cert: readFileSync(path.join(dir, 'leaf.pem')) },
    (req, res) => {
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
    },
  );
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = new URL(`https://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
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
  const otherDir = mkdtempSync(path.join(os.tmpdir(), 'obs-sse-proxy-tls-other-'));
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'o.key',
        '-out',
        'o.pem',
        '-days',
        '1',
        '-subj',
        '/CN=other',
      ],
      { cwd: otherDir, stdio: 'pipe' },
    );
    const otherCa = readFileSync(path.join(otherDir, 'o.pem'));
    delete process.env.NODE_EXTRA_CA_CERTS;
    proxy = await startProxy(upstreamUrl, { upstreamCa: otherCa });
    expect((await request(proxy.port, { path: '/b/k' })).status).toBe(502);
    await proxy.close();
    process.env.NODE_EXTRA_CA_CERTS = path.join(dir, 'ca.pem');
    proxy = await startProxy(upstreamUrl, { upstreamCa: otherCa });
    expect((await request(proxy.port, { path: '/b/k' })).status).toBe(200);
  } finally {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
    rmSync(otherDir, { recursive: true, force: true });
  }
});
