/**
 * PostObject through `obs-sse proxy`: its SSE settings are form fields in the body, so the proxy reads
 * the fields before the file part, judges them, and only then forwards (the bytes it read go on
 * unchanged) or answers 400 with nothing sent upstream. Real pieces: the proxy command with --har,
 * the HTTPS stand-in with a private CA, and multipart bodies serialised by Node's own fetch/FormData.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fileInput, lint } from '../../src/lint';
import { createEngineGuard } from '../../src/guard/engine-guard';
import { createProxy } from '../../src/proxy/server';
import { startStandin, type Standin } from '../../src/standin/server';
import { makePki, type TestPki } from '../../src/standin/tls';
import { FILE, formBytes, sha256 } from '../support/post-form';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy';
import { eventually, RawClient } from './helpers';

const KEY = createHash('sha256').update('post object test key').digest();
const OTHER_KEY = createHash('sha256').update('post object other key').digest();
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

type Line = Record<string, unknown>;

let pki: TestPki;
let standin: Standin;
let dir: string;

beforeAll(async () => {
  pki = makePki();
  standin = await startStandin({ tls: pki.tls });
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-post-'));
});
afterAll(async () => {
  await standin.close();
  pki.remove();
  rmSync(dir, { recursive: true, force: true });
});

type Running = RecordingProxy;

let running: Running | undefined;
afterEach(async () => {
  await running?.command.stop(1000);
  running = undefined;
});

async function start(extra: string[] = []): Promise<Running> {
  const harFile = join(dir, `${Math.random().toString(36).slice(2)}.har`);
  running = await startRecordingProxy({ upstreamPort: standin.port, caFile: pki.caFile, harFile, extra });
  return running;
}

async function post(
  port: number,
  form: { bytes: Buffer; type: string },
  bucket = 'forms',
): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/${bucket}`, {
    method: 'POST',
    headers: { 'content-type': form.type },
    body: new Uint8Array(form.bytes),
  });
}

const exchangeLines = (r: Running): Line[] => r.lines.filter((l) => l.event === 'exchange');
const posts = (): number => standin.exchanges.filter((e) => e.operation === 'PostObject').length;
/** What the stand-in received since exchange `at`: each operation with the SHA-256 of its whole body. */
const receivedSince = (at: number): Array<[string, string]> =>
  standin.exchanges.slice(at).map((e) => [e.operation, e.requestBody.sha256]);
const sseC = (key: Buffer, keyMd5 = md5(key)): Array<[string, string]> => [
  ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
  ['x-obs-server-side-encryption-customer-key', key.toString('base64')],
  ['x-obs-server-side-encryption-customer-key-MD5', keyMd5],
];

beforeAll(async () => {
  const r = await start();
  expect((await fetch(`http://127.0.0.1:${r.port}/forms`, { method: 'PUT' })).status).toBe(200);
  await r.command.stop(1000);
  running = undefined;
});

test('correct SSE form fields pass, and the whole body reaches OBS byte for byte', async () => {
  const r = await start();
  for (const fields of [[['x-obs-server-side-encryption', 'kms']], sseC(KEY)] as Array<
    Array<[string, string]>
  >) {
    const form = await formBytes([['key', 'up.bin'], ...fields]);
    const before = standin.exchanges.length;
    const res = await post(r.port, form);
    expect(res.status).toBeLessThan(300);
    const seen = standin.exchanges.slice(before);
    expect(seen.map((e) => e.operation)).toEqual(['PostObject']);
    expect(seen[0]!.requestBody).toEqual({ size: form.bytes.length, sha256: sha256(form.bytes) });
    expect(seen[0]!.stored?.sha256).toBe(sha256(FILE));
  }
  expect(exchangeLines(r).map((l) => [l.operation, l.verdict, l.codes])).toEqual([
    ['PostObject', 'pass', []],
    ['PostObject', 'pass', []],
  ]);
});

test('wrong SSE form fields are answered 400 naming the code, and nothing reaches OBS', async () => {
  const r = await start();
  const before = posts();
  const cases: Array<[Array<[string, string]>, string, string]> = [
    [[['x-obs-server-side-encryption', 'KMS']], 'value/not-allowed', 'x-obs-server-side-encryption'],
    [sseC(KEY, md5(OTHER_KEY)), 'sse-c/md5-mismatch', 'x-obs-server-side-encryption-customer-key-md5'],
    [[['x-obs-server-side-encryption-kms-key-id', 'my-key']], 'sse-kms/key-id-requires-kms', ''],
  ];
  for (const [fields, code, header] of cases) {
    const res = await post(r.port, await formBytes([['key', 'up.bin'], ...fields]));
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(res.headers.get('x-obs-sse-proxy')).toBe('blocked');
    expect(text).toContain('<Code>InvalidArgument</Code>');
    expect(text).toContain(
      `PostObject request has SSE header errors: ${code}${header ? ` on ${header}` : ''}`,
    );
    // A blocked body is not read to its end: the connection closes rather than drain 3 MiB.
    expect(res.headers.get('connection')).toBe('close');
  }
  expect(posts()).toBe(before);
  expect(exchangeLines(r).map((l) => [l.operation, l.verdict, l.codes])).toEqual(
    cases.map(([, code]) => ['PostObject', 'blocked', [code]]),
  );
});

test('a form whose fields cannot be read before the file part is form/unchecked; --rule lowers it', async () => {
  const padded = await formBytes([
    ['key', 'up.bin'],
    ['x-obs-meta-note', 'n'.repeat(70 * 1024)],
    ['x-obs-server-side-encryption', 'KMS'],
  ]);
  let r = await start();
  const before = posts();
  const blocked = await post(r.port, padded);
  expect(blocked.status).toBe(400);
  expect(await blocked.text()).toContain('form/unchecked');
  expect(posts()).toBe(before);
  const line = exchangeLines(r)[0]!;
  expect(line.codes).toEqual(['form/unchecked']);
  await r.command.stop(1000);

  r = await start(['--rule', 'form/unchecked=warning']);
  const at = standin.exchanges.length;
  await (await post(r.port, padded)).text();
  // Forwarded unchecked, byte for byte: what becomes of the KMS value is up to OBS.
  expect(receivedSince(at)).toEqual([['PostObject', sha256(padded.bytes)]]);
  expect(exchangeLines(r).map((l) => [l.verdict, l.codes])).toEqual([['pass', ['form/unchecked']]]);
});

test('a body that is not multipart/form-data, or ends before its file part, is form/unchecked', async () => {
  const r = await start();
  const before = posts();
  const broken = Buffer.from(
    '--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nup.bin\r\n--b\r\nnot a header\r\n',
  );
  for (const [type, body] of [
    ['multipart/form-data', Buffer.from('no boundary here')],
    ['multipart/form-data; boundary=b', broken],
  ] as Array<[string, Buffer]>) {
    const res = await post(r.port, { type, bytes: body });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('form/unchecked');
  }
  expect(posts()).toBe(before);
});

test('Expect: 100-continue: the proxy asks for the form itself, then answers or forwards', async () => {
  const r = await start();
  for (const [value, status] of [
    ['KMS', 400],
    ['kms', 204],
  ] as const) {
    const form = await formBytes([
      ['key', `continue-${value}.bin`],
      ['x-obs-server-side-encryption', value],
    ]);
    const client = await RawClient.connect(r.port);
    await client.write(
      `POST /forms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${form.type}\r\n` +
        `Content-Length: ${form.bytes.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    const interim = await client.readResponse(3000);
    expect(interim?.status).toBe(100);
    await client.write(form.bytes);
    // The final answer follows at once: OBS's own 100 Continue is not relayed a second time.
    const res = await client.readResponse(5000);
    expect(res?.status).toBe(status);
    if (status === 400) {
      expect(res?.body).toContain('value/not-allowed');
      expect(res?.headers.connection).toBe('close');
    }
    client.destroy();
  }
  expect(exchangeLines(r).map((l) => l.verdict)).toEqual(['blocked', 'pass']);
});

test('report mode forwards a wrong form unchanged and logs the codes', async () => {
  const r = await start(['--mode', 'report']);
  const form = await formBytes([
    ['key', 'reported.bin'],
    ['x-obs-server-side-encryption', 'KMS'],
  ]);
  const at = standin.exchanges.length;
  await (await post(r.port, form)).text();
  expect(receivedSince(at)).toEqual([['PostObject', sha256(form.bytes)]]);
  expect(exchangeLines(r).map((l) => [l.verdict, l.codes])).toEqual([['reported', ['value/not-allowed']]]);
});

test('the HAR records the fields, redacted, and linting it gives the codes the proxy blocked with', async () => {
  const r = await start();
  const keyText = KEY.toString('base64');
  await (await post(r.port, await formBytes([['key', 'ok.bin'], ...sseC(KEY)]))).text();
  await (
    await post(
      r.port,
      await formBytes([
        ['key', 'bad.bin'],
        ['x-obs-server-side-encryption', 'KMS'],
      ]),
    )
  ).text();
  await r.command.stop(1000);
  const har = readFileSync(r.harFile, 'utf8');
  expect(har).not.toContain(keyText);
  const entries = (JSON.parse(har) as { log: { entries: Array<{ request: { postData?: unknown } }> } }).log
    .entries;
  expect(entries[0]!.request.postData).toMatchObject({
    params: [
      { name: 'key', value: 'ok.bin' },
      { name: 'x-obs-server-side-encryption-customer-algorithm', value: 'AES256' },
      { name: 'x-obs-server-side-encryption-customer-key', value: '[REDACTED]' },
      { name: 'x-obs-server-side-encryption-customer-key-md5', value: md5(KEY) },
    ],
  });
  const linted = await lint([fileInput(r.harFile, 'post.har')], {});
  expect(linted.inputErrors).toEqual([]);
  expect(exchangeLines(r).map((l) => [l.verdict, l.codes])).toEqual([
    ['pass', []],
    ['blocked', ['value/not-allowed']],
  ]);
  expect(linted.findings.map((f) => [f.entry, f.operation, f.code])).toEqual([
    [1, 'PostObject', 'value/not-allowed'],
  ]);
  for (const line of r.lines) expect(JSON.stringify(line)).not.toContain(keyText);
});

test('a client that stalls inside its form gets 408, and nothing reaches OBS', async () => {
  const lines: Line[] = [];
  const proxy = createProxy({
    upstream: new URL(`https://127.0.0.1:${standin.port}`),
    upstreamCa: pki.caPem,
    guard: createEngineGuard(),
    log: (l) => lines.push(l as Line),
    headersTimeout: 300,
    requestTimeout: 600,
  });
  const { port } = await proxy.listen(0, '127.0.0.1');
  try {
    const before = standin.exchanges.length;
    const form = await formBytes([['key', 'stalled.bin']]);
    const client = await RawClient.connect(port);
    await client.write(
      `POST /forms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${form.type}\r\n` +
        `Content-Length: ${form.bytes.length}\r\n\r\n`,
    );
    await client.write(form.bytes.subarray(0, 40));
    const res = await client.readResponse(3000);
    expect(res?.status).toBe(408);
    expect(await client.waitClosed()).toBe(true);
    expect(standin.exchanges.length).toBe(before);
    await eventually(() => lines.some((l) => l.event === 'exchange'));
    expect(lines.find((l) => l.event === 'exchange')).toMatchObject({
      operation: 'PostObject',
      status: 408,
      error: 'request_timeout',
      upstreamMs: null,
    });
  } finally {
    await proxy.close({ graceMs: 500 });
  }
});
