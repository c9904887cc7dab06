/**
 * Findings 2 and 3: what the guard judges is what OBS receives, and enforce mode refuses an SSE header
 * with an error whatever the classifier made of the request. The real `obs-sse proxy` binary in front of
 * the HTTPS stand-in; requests written byte for byte on a raw socket; the stand-in's record says what
 * reached "OBS".
 */
import { createHash } from 'node:crypto';

import { sseCHeaders } from '../../src/sse-c';
import { startStandin, type Standin } from '../../src/standin/server';
import { makePki, type TestPki } from '../../src/standin/tls';
import { eventually, type CliProxy } from '../proxy/helpers';
import { sendRaw, startBinProxy, stopBinProxy, type RawRequest } from './support';

const KEY = createHash('sha256').update('adversarial forwarded key').digest();
const SSE_C = Object.entries(sseCHeaders(KEY));
const ALGORITHM = 'x-obs-server-side-encryption-customer-algorithm';

let pki: TestPki;
let standin: Standin;
let proxy: CliProxy;

beforeAll(async () => {
  pki = makePki();
  standin = await startStandin({ tls: pki.tls });
  proxy = await startBinProxy([
    '--upstream',
    `https://127.0.0.1:${standin.port}`,
    '--upstream-ca',
    pki.caFile,
  ]);
});
afterAll(async () => {
  await stopBinProxy(proxy);
  await standin.close();
  pki.remove();
});

function put(target: string, headers: Array<[string, string]>, method = 'PUT'): RawRequest {
  return { method, target, headers: [['Host', '127.0.0.1'], ...headers], body: 'object body' };
}

/** The stand-in's record of the request sent to `path`, if one reached it. */
const reached = (path: string) => standin.exchanges.find((e) => new URL(e.url).pathname === path);

/** The proxy's log line for the exchange with this method and target (lines are flushed per turn). */
async function exchangeLine(target: string, method = 'PUT'): Promise<Record<string, unknown> | undefined> {
  const find = () =>
    proxy.logs().find((l) => l.event === 'exchange' && l.method === method && l.url === target);
  await eventually(() => find() !== undefined);
  return find();
}

describe('finding 2: the request is judged as it will be forwarded (after hop-by-hop stripping)', () => {
  it('a complete SSE-C request whose Connection names the algorithm is refused: OBS would get no algorithm', async () => {
    const res = await sendRaw(proxy.port, put('/hop/ssec.bin', [...SSE_C, ['Connection', ALGORITHM]]));
    expect(res?.status).toBe(400);
    expect(res?.body).toContain('sse-c/');
    expect(reached('/hop/ssec.bin')).toBeUndefined();
  });

  it('the same request without that Connection field passes and reaches OBS whole', async () => {
    const res = await sendRaw(proxy.port, put('/hop/ssec-ok.bin', SSE_C));
    expect(res?.status).toBe(200);
    const seen = reached('/hop/ssec-ok.bin');
    expect(seen?.requestHeaders.map(([n]) => n.toLowerCase())).toContain(ALGORITHM);
    expect(seen?.sse.customer).toBeDefined();
  });

  it('kms named by Connection is judged absent, logged as no SSE at all, and OBS receives no SSE header', async () => {
    const res = await sendRaw(
      proxy.port,
      put('/hop/kms.bin', [
        ['x-obs-server-side-encryption', 'kms'],
        ['Connection', 'x-obs-server-side-encryption'],
      ]),
    );
    expect(res?.status).toBe(200);
    const seen = reached('/hop/kms.bin');
    expect(seen).toBeDefined();
    expect(seen?.requestHeaders.some(([n]) => /server-side-encryption/i.test(n))).toBe(false);
    expect(seen?.sse).toEqual({});
    // OBS stored it without SSE, and that is what the guard judged: no SSE-KMS in the verdict.
    expect(res?.headers['x-obs-server-side-encryption']).toBeUndefined();
    expect(await exchangeLine('/hop/kms.bin')).toMatchObject({
      verdict: 'pass',
      codes: [],
      operation: 'PutObject',
    });
  });

  it('an invalid header that Connection strips is not judged, since it is not forwarded', async () => {
    const res = await sendRaw(
      proxy.port,
      put('/hop/kmsx.bin', [
        ['x-obs-server-side-encryption', 'KMSX'],
        ['Connection', 'keep-alive, x-obs-server-side-encryption'],
      ]),
    );
    expect(res?.status).toBe(200);
    expect(reached('/hop/kmsx.bin')?.requestHeaders.some(([n]) => /server-side-encryption/i.test(n))).toBe(
      false,
    );
  });
});

describe('finding 3: enforce mode refuses an SSE header with an error whatever the classification', () => {
  it.each([
    ['a non-canonical path', 'PUT', '//nc/k.bin'],
    ['a method no SSE operation uses', 'PATCH', '/nc/patch.bin'],
    ['a WebDAV method', 'PROPFIND', '/nc/dav.bin'],
    ['an object sub-resource', 'PUT', '/nc/acl.bin?acl'],
  ])('%s (%s %s) with x-obs-server-side-encryption: KMSX', async (_name, method, target) => {
    const before = standin.exchanges.length;
    const res = await sendRaw(proxy.port, put(target, [['x-obs-server-side-encryption', 'KMSX']], method));
    expect(res?.status).toBe(400);
    expect(res?.body).toContain('operation/invalid-sse');
    expect(standin.exchanges.length).toBe(before);
    expect(await exchangeLine(target, method)).toMatchObject({ verdict: 'blocked', operation: null });
  });

  it('a valid SSE header on a non-canonical path is forwarded with operation/unlisted-sse', async () => {
    const res = await sendRaw(proxy.port, put('//nc/valid.bin', [['x-obs-server-side-encryption', 'kms']]));
    // The stand-in answers what it makes of //nc/valid.bin; the proxy forwarded it.
    expect(res?.status).not.toBe(400);
    expect(await exchangeLine('//nc/valid.bin')).toMatchObject({
      verdict: 'pass',
      codes: ['operation/unlisted-sse'],
    });
  });
});
