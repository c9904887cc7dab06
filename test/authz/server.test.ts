/**
 * `obs-sse authz` on its own: each gateway's way of describing the original request, refusals,
 * report mode, the transport judged on the configured hop, PostObject, and hostile check requests.
 */
import fc from 'fast-check';

import { readOriginal, GatewayRequestError } from '../../src/authz/gateway';
import { createAuthzServer, type AuthzOptions, type AuthzServer } from '../../src/authz/server';
import { KEY_A, KEYS_B64, refusedCodes, send } from '../support/multipart';

const servers: AuthzServer[] = [];
let logs: Array<Record<string, unknown>> = [];

async function authz(options: Partial<AuthzOptions> = {}): Promise<number> {
  const s = createAuthzServer({
    upstreamScheme: 'https',
    log: (l) => logs.push(l as Record<string, unknown>),
    ...options,
  });
  servers.push(s);
  return (await s.listen(0, '127.0.0.1')).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  logs = [];
});

const BAD_ALG = { ...KEY_A, 'x-obs-server-side-encryption-customer-algorithm': 'AES128' };
const nginx = (method: string, uri: string): Record<string, string> => ({
  'X-Original-Method': method,
  'X-Original-URI': uri,
});
const forwarded = (method: string, uri: string): Record<string, string> => ({
  'X-Forwarded-Method': method,
  'X-Forwarded-Uri': uri,
  'X-Forwarded-Host': 'gateway.example',
  'X-Forwarded-Proto': 'https',
});

describe.each([
  ['nginx', (m: string, u: string) => ({ method: 'GET', path: '/.obs-sse-authz', headers: nginx(m, u) })],
  ['forwarded', (m: string, u: string) => ({ method: 'GET', path: '/', headers: forwarded(m, u) })],
  ['envoy', (m: string, u: string) => ({ method: m, path: `/check${u}`, headers: {} })],
] as const)('the %s convention', (gateway, check) => {
  const options = gateway === 'envoy' ? { pathPrefix: '/check' } : {};

  test('a correct SSE-C PutObject is allowed with 200 and no body', async () => {
    const port = await authz(options);
    const c = check('PUT', '/bucket/object.bin');
    const r = await send(port, c.method, c.path, { ...c.headers, ...KEY_A });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(logs.find((l) => l.event === 'exchange')).toMatchObject({
      method: 'PUT',
      url: '/bucket/object.bin',
      operation: 'PutObject',
      verdict: 'pass',
    });
  });

  test('a wrong one is refused 403 with the XML body, repeated in X-Obs-Sse-Error', async () => {
    const port = await authz({ ...options, gateway });
    const c = check('PUT', '/bucket/object.bin');
    const r = await send(port, c.method, c.path, { ...c.headers, ...BAD_ALG });
    expect(r.status).toBe(403);
    expect(r.headers['content-type']).toBe('application/xml');
    expect(r.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>InvalidArgument<\/Code>/);
    expect(refusedCodes(r.body)).toEqual(['value/not-allowed']);
    expect(r.headers['x-obs-sse-error']).toBe(r.body);
    expect(r.headers['x-obs-sse-proxy']).toBe('blocked');
    for (const k of KEYS_B64) expect(JSON.stringify(logs) + r.body).not.toContain(k);
  });
});

test('the transport is the configured hop to OBS, whatever the client used', async () => {
  const viaHttp = await authz({ upstreamScheme: 'http' });
  const viaHttps = await authz({ upstreamScheme: 'https' });
  const headers = { ...forwarded('PUT', '/b/o'), ...KEY_A };
  const refused = await send(viaHttp, 'GET', '/', headers);
  expect(refusedCodes(refused.body)).toEqual(['transport/https-required']);
  // X-Forwarded-Proto says https, but the hop authz is told about is what counts.
  expect((await send(viaHttps, 'GET', '/', { ...headers, 'X-Forwarded-Proto': 'http' })).status).toBe(200);
});

test('report mode allows everything and logs what it would have refused', async () => {
  const port = await authz({ mode: 'report' });
  const r = await send(port, 'GET', '/', { ...nginx('PUT', '/b/o'), ...BAD_ALG });
  expect(r.status).toBe(200);
  expect(r.headers['x-obs-sse-codes']).toBe('value/not-allowed');
  expect(logs.find((l) => l.event === 'exchange')).toMatchObject({ verdict: 'reported', status: 200 });
});

test('--deny-status 400 answers refusals as the proxy does', async () => {
  const port = await authz({ denyStatus: 400 });
  expect((await send(port, 'GET', '/', { ...nginx('PUT', '/b/o'), ...BAD_ALG })).status).toBe(400);
});

test('PostObject: form/unchecked is a warning by default, an error with refusePostObject', async () => {
  const post = {
    ...nginx('POST', '/bucket/'),
    'Content-Type': 'multipart/form-data; boundary=x',
  };
  const allowing = await authz();
  const a = await send(allowing, 'GET', '/', post);
  expect(a.status).toBe(200);
  expect(a.headers['x-obs-sse-codes']).toBe('form/unchecked');
  const refusing = await authz({ refusePostObject: true });
  const b = await send(refusing, 'GET', '/', post);
  expect(b.status).toBe(403);
  expect(refusedCodes(b.body)).toEqual(['form/unchecked']);
});

test('a gateway that does not say what it asks about is refused (fail closed), and logged', async () => {
  const port = await authz({ gateway: 'nginx' });
  const r = await send(port, 'GET', '/', { 'X-Original-Method': 'PUT' });
  expect(r.status).toBe(403);
  expect(r.body).toContain('<Code>InvalidRequest</Code>');
  expect(r.body).toContain('X-Original-URI is missing');
  expect(logs).toContainEqual(expect.objectContaining({ event: 'authz_bad_request' }));
});

test('a pinned convention ignores the other conventions headers a client may have smuggled in', () => {
  const raw = ['X-Original-Method', 'PUT', 'X-Original-URI', '/b/o', 'X-Forwarded-Uri', '/evil/other'];
  expect(readOriginal('GET', '/', raw, 'nginx')).toMatchObject({ method: 'PUT', url: '/b/o' });
  expect(() => readOriginal('GET', '/', raw, 'forwarded')).toThrow(GatewayRequestError);
  // Neither convention's headers reach the guard as if they were the original request's.
  expect(readOriginal('GET', '/', raw, 'nginx').headers).toEqual([]);
});

test('a body sent to authz anyway is read, dropped and counted', async () => {
  const port = await authz();
  const r = await send(port, 'POST', '/', nginx('PUT', '/b/o'), Buffer.alloc(5000));
  expect(r.status).toBe(200);
  expect(servers[0]!.stats()).toMatchObject({ decisions: 1, allowed: 1, bodyBytes: 5000 });
});

test('hostile check requests never crash the reader: a result or a GatewayRequestError', () => {
  const header = fc.tuple(
    fc.constantFrom(
      'X-Original-Method',
      'X-Original-URI',
      'X-Forwarded-Uri',
      'X-Forwarded-Method',
      'Host',
      'x',
    ),
    fc.string({ maxLength: 40 }),
  );
  fc.assert(
    fc.property(
      fc.array(header, { maxLength: 8 }),
      fc.constantFrom('auto', 'nginx', 'forwarded', 'envoy') as fc.Arbitrary<'auto'>,
      fc.string({ maxLength: 20 }),
      (pairs, convention, url) => {
        try {
          const o = readOriginal('GET', url, pairs.flat(), convention);
          expect(o.url.startsWith('/') || o.url === '*').toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(GatewayRequestError);
        }
      },
    ),
    { numRuns: 500 },
  );
});
