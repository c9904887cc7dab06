/**
 * The engine guard inside the proxy's transport core (no HAR recorder attached): report mode, Expect:
 * 100-continue, response findings in the log line, and multipart sessions learnt from the response body
 * the proxy captures for the guard.
 */
import { createHash } from 'node:crypto';

import { createEngineGuard } from '../../src/guard/engine-guard';
import { createProxy, type ObsSseProxy, type ProxyOptions } from '../../src/proxy/server';
import { startStandin, type Standin } from '../../src/standin/server';
import { RawClient, request, startUpstream } from '../proxy/helpers';
import { makePki, type TestPki } from '../../src/standin/tls';
import { sseCHeaders } from '../../src/sse-c';

const KEY = createHash('sha256').update('proxy guard test key 1').digest();
const KEY_2 = createHash('sha256').update('proxy guard test key 2').digest();
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
type Line = Record<string, unknown>;

let pki: TestPki;
let standin: Standin;
let proxy: ObsSseProxy | undefined;
let lines: Line[];

beforeAll(async () => {
  pki = makePki();
  standin = await startStandin({ tls: pki.tls });
});
afterAll(async () => {
  await standin.close();
  pki.remove();
});
afterEach(async () => {
  await proxy?.close({ graceMs: 500 });
  proxy = undefined;
});

async function start(options: Partial<ProxyOptions> = {}): Promise<number> {
  lines = [];
  proxy = createProxy({
    upstream: new URL(`https://127.0.0.1:${standin.port}`),
    upstreamCa: pki.caPem,
    guard: createEngineGuard(),
    log: (l) => lines.push(l as Line),
    ...options,
  });
  return (await proxy.listen(0, '127.0.0.1')).port;
}

const exchanges = (): Line[] => lines.filter((l) => l.event === 'exchange');

test('multipart sessions work without a HAR recorder: the proxy captures the initiate body for the guard', async () => {
  const guard = createEngineGuard();
  const port = await start({ guard });
  expect((await request(port, { method: 'PUT', path: '/mpu' })).status).toBe(200);
  const init = await request(port, { method: 'POST', path: '/mpu/o.bin?uploads', headers: sseCHeaders(KEY) });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1];
  expect(uploadId).toBeDefined();
  // Known by id before any part names it: read from the response body, not guessed from a later URL.
  expect(guard.store.get(uploadId!)).toEqual({ algorithm: 'AES256', keyMd5: md5(KEY), dialect: 'obs' });
  const partPath = `/mpu/o.bin?partNumber=1&uploadId=${uploadId}`;
  const other = await request(port, {
    method: 'PUT',
    path: partPath,
    headers: sseCHeaders(KEY_2),
    body: 'one',
  });
  expect(other.status).toBe(400);
  expect(other.body).toContain('session/key-mismatch on x-obs-server-side-encryption-customer-key-md5');
  const right = await request(port, {
    method: 'PUT',
    path: partPath,
    headers: sseCHeaders(KEY),
    body: 'one',
  });
  expect(right.status).toBe(200);
  expect(standin.exchanges.filter((e) => e.operation === 'UploadPart')).toHaveLength(1);
  expect(exchanges().map((l) => [l.operation, l.verdict])).toEqual([
    ['CreateBucket', 'pass'],
    ['InitiateMultipartUpload', 'pass'],
    ['UploadPart', 'blocked'],
    ['UploadPart', 'pass'],
  ]);
});

test('report mode forwards a wrong request unchanged and logs what enforce mode would have blocked', async () => {
  const port = await start({ mode: 'report' });
  const before = standin.exchanges.length;
  const res = await request(port, {
    method: 'PUT',
    path: '/mpu/report.bin',
    headers: {
      'x-obs-server-side-encryption': 'kms',
      'x-obs-server-side-encryption-kms-key-id': 'not a key id!',
    },
    body: 'data',
  });
  expect(res.status).toBe(200);
  expect(standin.exchanges.slice(before).map((e) => e.sse.kmsKeyId)).toEqual(['not a key id!']);
  expect(exchanges()[0]).toMatchObject({
    verdict: 'reported',
    codes: ['sse-kms/invalid-key-id'],
    status: 200,
  });
});

test('Expect: 100-continue: a wrong head is answered 400 before the client sends its body', async () => {
  const port = await start();
  const before = standin.exchanges.length;
  const client = await RawClient.connect(port);
  await client.write(
    'PUT /mpu/k HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n' +
      'x-obs-server-side-encryption: aws:kms\r\n\r\n',
  );
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(400);
  expect(res?.body).toContain('value/not-allowed on x-obs-server-side-encryption');
  expect(await client.waitClosed()).toBe(true);
  expect(standin.exchanges.length).toBe(before);
});

test('response headers are judged and logged, never changing the answer', async () => {
  // An upstream that answers an SSE-C GET with another key's MD5, over plain HTTP (transport off here).
  const upstream = await startUpstream((req, res) => {
    req.resume();
    res.writeHead(200, {
      'x-obs-server-side-encryption-customer-algorithm': 'AES256',
      'x-obs-server-side-encryption-customer-key-MD5': md5(KEY_2),
    });
    res.end('object');
  });
  try {
    lines = [];
    proxy = createProxy({
      upstream: upstream.url,
      guard: createEngineGuard({ severity: { 'transport/https-required': 'off' } }),
      log: (l) => lines.push(l as Line),
    });
    const { port } = await proxy.listen(0, '127.0.0.1');
    const res = await request(port, { path: '/b/k', headers: sseCHeaders(KEY) });
    expect([res.status, res.body]).toEqual([200, 'object']);
    expect(exchanges()[0]).toMatchObject({ verdict: 'pass', responseCodes: ['response/md5-mismatch'] });
  } finally {
    await proxy?.close({ graceMs: 500 });
    proxy = undefined;
    await upstream.close();
  }
});
