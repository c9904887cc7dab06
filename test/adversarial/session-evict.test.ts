/**
 * Finding 5: after 50 000 newer uploads evicted an upload from the session store, a part with the
 * wrong SSE-C key passed silently. Now it is `session/unknown-upload` (a warning by default, an error
 * with `--rule session/unknown-upload=error`), and the eviction is counted in the proxy's log. Raw
 * sockets through the proxy to the HTTPS stand-in; the store is the engine guard's own.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { createEngineGuard } from '../../src/guard/engine-guard';
import { createProxy, type ObsSseProxy } from '../../src/proxy/server';
import { sseCHeaders } from '../../src/sse-c';
import { startStandin, type Standin } from '../../src/standin/server';
import { makePki, type TestPki } from '../../src/standin/tls';
import { MemoryUploadSessionStore } from '../../src/traffic/upload-id';
import { eventually } from '../proxy/helpers';
import { sendRaw, type RawRequest } from './support';

const KEY_A = createHash('sha256').update('evict key a').digest();
const KEY_B = createHash('sha256').update('evict key b').digest();

let pki: TestPki;
let standin: Standin;
beforeAll(async () => {
  pki = makePki();
  standin = await startStandin({ tls: pki.tls });
});
afterAll(async () => {
  await standin.close();
  pki.remove();
});

type Line = Record<string, unknown>;

async function start(severity?: Record<string, 'error'>): Promise<{
  proxy: ObsSseProxy;
  port: number;
  store: MemoryUploadSessionStore;
  lines: Line[];
}> {
  const store = new MemoryUploadSessionStore();
  const lines: Line[] = [];
  const proxy = createProxy({
    upstream: new URL(`https://127.0.0.1:${standin.port}`),
    upstreamCa: readFileSync(pki.caFile),
    guard: createEngineGuard(severity ? { store, severity } : { store }),
    log: (l) => lines.push(l as Line),
  });
  const { port } = await proxy.listen(0, '127.0.0.1');
  return { proxy, port, store, lines };
}

const req = (method: string, target: string, key: Buffer, body?: string): RawRequest => ({
  method,
  target,
  headers: [['Host', '127.0.0.1'], ...Object.entries(sseCHeaders(key))],
  ...(body === undefined ? {} : { body }),
});

/** Opens an upload with key A through the proxy; returns its id as the stand-in named it. */
async function initiate(port: number, key: string): Promise<string> {
  const res = await sendRaw(port, req('POST', `/evict/${key}?uploads`, KEY_A, ''));
  expect(res?.status).toBe(200);
  const id = /<UploadId>([^<]+)<\/UploadId>/.exec(res?.body ?? '')?.[1];
  expect(id).toBeDefined();
  return id as string;
}

/** Pushes `n` newer uploads into the store, as that many later initiates would. */
function newerUploads(store: MemoryUploadSessionStore, n: number): void {
  for (let i = 0; i < n; i += 1)
    store.set(`newer-${i}`, { algorithm: 'AES256', keyMd5: 'x', dialect: 'obs' });
}

it('a wrong-key part is refused while its upload is known (session/key-mismatch)', async () => {
  const { proxy, port } = await start();
  try {
    const id = await initiate(port, 'known.bin');
    const res = await sendRaw(
      port,
      req('PUT', `/evict/known.bin?partNumber=1&uploadId=${id}`, KEY_B, 'part'),
    );
    expect(res?.status).toBe(400);
    expect(res?.body).toContain('session/key-mismatch');
  } finally {
    await proxy.close({ graceMs: 100 });
  }
});

it('after 50 000 newer uploads evict it, a wrong-key part is reported, and the eviction is logged', async () => {
  const { proxy, port, store, lines } = await start();
  try {
    const id = await initiate(port, 'evicted.bin');
    newerUploads(store, 50_000);
    expect(store.get(id)).toBeUndefined();
    expect(store.evictions).toBe(1);
    const res = await sendRaw(
      port,
      req('PUT', `/evict/evicted.bin?partNumber=1&uploadId=${id}`, KEY_B, 'part'),
    );
    // A warning by default: forwarded (OBS itself holds the upload to its key), not silent.
    expect(res?.status).not.toBe(400);
    await eventually(() => lines.some((l) => l.event === 'exchange' && String(l.url).includes('partNumber')));
    const line = lines.find((l) => l.event === 'exchange' && String(l.url).includes('partNumber'));
    expect(line).toMatchObject({ verdict: 'pass', codes: ['session/unknown-upload'] });
    expect(lines.find((l) => l.event === 'session_evictions')).toMatchObject({ evicted: 1, total: 1 });
  } finally {
    await proxy.close({ graceMs: 100 });
  }
});

it('with session/unknown-upload raised to an error, such a part is refused', async () => {
  const { proxy, port, store } = await start({ 'session/unknown-upload': 'error' });
  try {
    const id = await initiate(port, 'strict.bin');
    newerUploads(store, 50_000);
    const before = standin.exchanges.length;
    const res = await sendRaw(
      port,
      req('PUT', `/evict/strict.bin?partNumber=1&uploadId=${id}`, KEY_B, 'part'),
    );
    expect(res?.status).toBe(400);
    expect(res?.body).toContain('session/unknown-upload');
    expect(standin.exchanges.length).toBe(before);
  } finally {
    await proxy.close({ graceMs: 100 });
  }
});
