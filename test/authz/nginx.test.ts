/**
 * End to end: real nginx (Debian's, started here in the foreground on a loopback port) running the
 * shipped docs/gateways/nginx.conf, in front of the stand-in over HTTPS, with `obs-sse authz` beside
 * it. Valid traffic from the official SDK passes, wrong requests get the proxy's XML refusal and
 * codes, bodies never reach authz, and no key appears in any output.
 */
import { createHash } from 'node:crypto';

import { startStandin, type Standin } from '../../src/standin/server';
import { startCliProxy, type CliProxy } from '../proxy/helpers';
import { freshBin } from '../support/dist';
import { initiate, KEY_A, KEY_B, KEYS_B64, part, refusedCodes, send } from '../support/multipart';
import { ALL_CUSTOMER_KEYS_B64, runScenarios, type ScenarioResult } from '../support/sdk';
import { startNginx, type TestServer } from '../support/servers';
import { OBS_HOST, shipped, startBackends, swap, type Backends } from './gateway-setup';

jest.setTimeout(120_000);

let backends: Backends;
let nginx: TestServer;
let results: ScenarioResult[];

beforeAll(async () => {
  backends = await startBackends();
  nginx = await startNginx((port) =>
    swap(shipped('nginx.conf'), [
      ['server 127.0.0.1:9100;', `server 127.0.0.1:${backends.authz.port};`],
      [`server ${OBS_HOST}:443;`, `server 127.0.0.1:${backends.standin.port};`],
      ['listen 8080;', `listen 127.0.0.1:${port};`],
      ['/etc/ssl/certs/ca-certificates.crt', backends.pki.caFile],
    ]),
  );
  // The official SDK, path-style on an IP address: the S3 dialect (test/support/sdk.ts).
  results = await runScenarios({ port: nginx.port, mode: 's3' });
});

afterAll(async () => {
  await nginx?.stop();
  await backends?.close();
});

function allOutput(): string {
  return JSON.stringify(backends.logs) + nginx.output();
}

test('correct SDK calls pass through nginx and authz to the stand-in', () => {
  const correct = results.filter((r) => r.kind === 'correct');
  expect(correct.length).toBeGreaterThan(10);
  // The SDK's own defects in this dialect (docs/sdk-notes.md) are refused here exactly as by the proxy.
  const defects = new Set(['upload-file-sse-c', 'put-sse-obs', 'append-kms', 'put-kms-key-project']);
  const failed = correct
    .filter((r) => !defects.has(r.id))
    .filter((r) => r.error !== undefined || (r.status ?? 0) >= 300);
  expect(failed).toEqual([]);
  // …and the SDK's defects are refused, as the proxy refuses them.
  const refusedDefects = correct.filter((c) => defects.has(c.id));
  expect(refusedDefects.length).toBeGreaterThanOrEqual(3);
  // Each has a step (the one the SDK builds wrongly) that nginx answered with the refusal.
  for (const r of refusedDefects) {
    const refused = r.steps.some(
      (st) => st.code === 'InvalidArgument' || /^InvalidArgument/.test(st.error ?? ''),
    );
    expect({ id: r.id, refused }).toEqual({ id: r.id, refused: true });
  }
  expect(backends.logs.filter((l) => l.event === 'exchange' && l.verdict === 'pass').length).toBeGreaterThan(
    10,
  );
});

test('wrong SDK calls are refused by nginx with the XML refusal and never reach the stand-in', () => {
  const byId = new Map(results.map((r) => [r.id, r]));
  for (const id of ['wrong-sse-c-16-byte-key', 'wrong-sse-c-aes128', 'wrong-kms-uppercase']) {
    expect({ id, status: byId.get(id)?.status, code: byId.get(id)?.code }).toEqual({
      id,
      status: 400,
      code: 'InvalidArgument',
    });
  }
  // Each would have reached the stand-in with its wrong value had nginx let it through.
  const sent = backends.standin.exchanges.flatMap((e) => e.requestHeaders.map(([, v]) => v));
  expect(sent.length).toBeGreaterThan(0);
  expect(sent).not.toContain('AES128');
  expect(sent).not.toContain('KMS');
  const refused = backends.logs.filter((l) => l.event === 'exchange' && l.verdict === 'blocked');
  expect(refused.map((l) => (l.codes as string[])[0])).toEqual(
    expect.arrayContaining(['sse-c/invalid-key', 'value/not-allowed']),
  );
});

describe('compared with obs-sse proxy', () => {
  let bin: string;
  let standin: Standin;
  let proxy: CliProxy;
  beforeAll(async () => {
    [bin, standin] = await Promise.all([freshBin(), startStandin()]);
    proxy = await startCliProxy([bin], ['--upstream', standin.url, '--rule', 'transport/https-required=off']);
  });
  afterAll(async () => {
    proxy.child.kill('SIGKILL');
    await standin.close();
  });

  test('a wrong request gets the same status, XML code and message as from the proxy', async () => {
    const bad = { ...KEY_A, 'x-obs-server-side-encryption-customer-algorithm': 'AES128' };
    const viaNginx = await send(nginx.port, 'PUT', '/compare/object.bin', bad, 'body');
    const viaProxy = await send(proxy.port, 'PUT', '/compare/object.bin', bad, 'body');
    expect(viaNginx.status).toBe(400);
    expect(viaNginx.status).toBe(viaProxy.status);
    expect(viaNginx.headers['content-type']).toBe('application/xml');
    expect(viaNginx.headers['x-obs-request-id']).toMatch(/^[0-9A-F]{32}$/);
    const normal = (xml: string): string =>
      xml.replace(/<RequestId>[^<]*<\/RequestId>/, '').replace(/obs-sse (authz|proxy)/, 'obs-sse');
    expect(normal(viaNginx.body)).toBe(normal(viaProxy.body));
    expect(refusedCodes(viaNginx.body)).toEqual(['value/not-allowed']);
  });
});

test('a part under another key than its initiate is refused (the initiate is bound by bucket and key)', async () => {
  const path = '/nginx-mpu/big.bin';
  const init = await initiate(nginx.port, path, KEY_A);
  expect(init.status).toBe(200);
  const wrong = await part(nginx.port, path, init.uploadId!, 1, KEY_B);
  expect(wrong.status).toBe(400);
  expect(refusedCodes(wrong.body)).toEqual(['session/key-mismatch']);
  expect((await part(nginx.port, path, init.uploadId!, 1, KEY_A)).status).toBe(200);
  // Once bound, the upload id is checked on its own.
  expect(refusedCodes((await part(nginx.port, path, init.uploadId!, 2, KEY_B)).body)).toEqual([
    'session/key-mismatch',
  ]);
});

test('bodies stream through nginx and never touch authz', async () => {
  const body = Buffer.alloc(1024 * 1024, 7);
  const before = backends.authz.authz.stats();
  const r = await send(nginx.port, 'PUT', '/nginx-bulk/one-mib.bin', KEY_A, body);
  expect(r.status).toBe(200);
  const stored = backends.standin.exchanges.at(-1)!;
  expect(stored.requestBody).toEqual({
    size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  });
  const after = backends.authz.authz.stats();
  expect(after.decisions).toBe(before.decisions + 1);
  expect(after.bodyBytes).toBe(0);
});

test('PostObject is allowed with form/unchecked reported: authz never sees the form', async () => {
  const r = await send(
    nginx.port,
    'POST',
    '/nginx-post/',
    { 'Content-Type': 'multipart/form-data; boundary=xyz' },
    '--xyz\r\nContent-Disposition: form-data; name="key"\r\n\r\nposted.txt\r\n' +
      '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--xyz--\r\n',
  );
  expect(r.headers['x-obs-sse-proxy']).toBeUndefined();
  const line = backends.logs.filter((l) => l.event === 'exchange' && l.operation === 'PostObject').at(-1);
  expect(line).toMatchObject({ verdict: 'pass', codes: ['form/unchecked'] });
});

test('no customer key appears in authz logs or nginx output', () => {
  for (const k of [...KEYS_B64, ...ALL_CUSTOMER_KEYS_B64]) expect(allOutput()).not.toContain(k);
});
