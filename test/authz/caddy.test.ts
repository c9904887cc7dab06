/**
 * End to end: real Caddy (Debian's `caddy`, started here on a loopback port) running the shipped
 * docs/gateways/Caddyfile in front of the stand-in over HTTPS, `obs-sse authz` beside it reading the
 * X-Forwarded-* convention. The same checks as for nginx, lighter: Caddy returns authz's own 403.
 */
import { createHash } from 'node:crypto';

import { initiate, KEY_A, KEY_B, KEYS_B64, part, refusedCodes, send } from '../support/multipart';
import { runScenarios } from '../support/sdk';
import { startCaddy, type TestServer } from '../support/servers';
import { OBS_HOST, shipped, startBackends, swap, type Backends } from './gateway-setup';

jest.setTimeout(120_000);

let backends: Backends;
let caddy: TestServer;

beforeAll(async () => {
  backends = await startBackends(['--gateway', 'forwarded']);
  caddy = await startCaddy((port) =>
    swap(shipped('Caddyfile'), [
      [':8080 {', `http://127.0.0.1:${port} {`],
      ['forward_auth 127.0.0.1:9100 {', `forward_auth 127.0.0.1:${backends.authz.port} {`],
      [`reverse_proxy https://${OBS_HOST} {`, `reverse_proxy https://127.0.0.1:${backends.standin.port} {`],
      ['# tls_trusted_ca_certs /path/to/private-ca.pem', `tls_trusted_ca_certs ${backends.pki.caFile}`],
    ]),
  );
});

afterAll(async () => {
  await caddy?.stop();
  await backends?.close();
});

test('correct SDK calls pass through Caddy and authz; a wrong one gets the XML refusal', async () => {
  const results = await runScenarios(
    { port: caddy.port, mode: 's3' },
    { only: ['create-bucket', 'put-sse-c', 'get-sse-c', 'put-kms', 'wrong-sse-c-16-byte-key'] },
  );
  const byId = new Map(results.map((r) => [r.id, r]));
  expect(results.length).toBe(5);
  for (const id of ['create-bucket', 'put-sse-c', 'get-sse-c', 'put-kms']) {
    expect({ id, status: byId.get(id)?.status }).toEqual({ id, status: 200 });
  }
  expect(byId.get('wrong-sse-c-16-byte-key')).toMatchObject({ status: 403, code: 'InvalidArgument' });
});

test('a wrong request gets authz 403 with the XML naming the codes', async () => {
  const bad = { ...KEY_A, 'x-obs-server-side-encryption-customer-algorithm': 'AES128' };
  const r = await send(caddy.port, 'PUT', '/caddy/object.bin', bad, 'body');
  expect(r.status).toBe(403);
  expect(r.headers['content-type']).toBe('application/xml');
  expect(r.body).toContain('<Code>InvalidArgument</Code>');
  expect(refusedCodes(r.body)).toEqual(['value/not-allowed']);
});

test('a part under another key than its initiate is refused', async () => {
  const path = '/caddy-mpu/big.bin';
  const init = await initiate(caddy.port, path, KEY_A);
  expect(init.status).toBe(200);
  expect(refusedCodes((await part(caddy.port, path, init.uploadId!, 1, KEY_B)).body)).toEqual([
    'session/key-mismatch',
  ]);
  expect((await part(caddy.port, path, init.uploadId!, 1, KEY_A)).status).toBe(200);
});

test('bodies stream through Caddy and never touch authz', async () => {
  const body = Buffer.alloc(1024 * 1024, 9);
  const before = backends.authz.authz.stats();
  const r = await send(caddy.port, 'PUT', '/caddy-bulk/one-mib.bin', KEY_A, body);
  expect(r.status).toBe(200);
  expect(backends.standin.exchanges.at(-1)!.requestBody.sha256).toBe(
    createHash('sha256').update(body).digest('hex'),
  );
  const after = backends.authz.authz.stats();
  expect(after.decisions).toBe(before.decisions + 1);
  expect(after.bodyBytes).toBe(0);
  for (const k of KEYS_B64) expect(JSON.stringify(backends.logs) + caddy.output()).not.toContain(k);
});
