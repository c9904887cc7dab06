/**
 * Redaction by value through the product: the compiled `obs-sse proxy --har` in its own process, sent
 * raw bytes so that every placement reaches it exactly as written (`;`, fragments and double escapes
 * included). A fresh key per placement; none of its spellings may appear in the proxy's stdout and
 * stderr, in the answers clients got, in the HAR file, or in what `obs-sse lint` prints about that HAR.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { H } from '../helpers';
import { freshBin } from '../support/dist';
import { harProblems } from '../support/har';
import { expectNoLeak, newKey, type TestKey } from '../support/leaks';
import { formBytes } from '../support/post-form';
import { runCli } from '../cli/helpers';
import { eventually, RawClient, startCliProxy, startUpstream, type CliProxy, type Upstream } from './helpers';

const enc = encodeURIComponent;
const sseC = (k: TestKey): Array<[string, string]> => [
  [H.cAlg, 'AES256'],
  [H.cKey, k.b64],
  [H.cMd5, k.md5],
];

interface Placement {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body?: Buffer;
}

const KEYS = {
  swapped: newKey(),
  misspelt: newKey(),
  kmsKeyId: newKey(),
  algorithm: newKey(),
  minio: newKey(),
  semicolon: newKey(),
  fragment: newKey(),
  doubleEncodedName: newKey(),
  hexInQuery: newKey(),
  urlSafeInPath: newKey(),
  formField: newKey(),
  echoed: newKey(),
};

let form: { bytes: Buffer; type: string };

function placements(): Record<keyof typeof KEYS, Placement> {
  const k = KEYS;
  return {
    swapped: {
      method: 'PUT',
      target: '/bkt/swapped.bin',
      headers: [
        [H.cAlg, 'AES256'],
        [H.cKey, k.swapped.md5],
        [H.cMd5, k.swapped.b64],
      ],
    },
    misspelt: {
      method: 'PUT',
      target: '/bkt/misspelt.bin',
      headers: [
        [H.cAlg, 'AES256'],
        [`${H.cKey}s`, k.misspelt.b64],
        [H.cMd5, k.misspelt.md5],
      ],
    },
    kmsKeyId: {
      method: 'PUT',
      target: '/bkt/kms.bin',
      headers: [
        [H.sse, 'kms'],
        [H.kmsKey, k.kmsKeyId.b64],
      ],
    },
    algorithm: {
      method: 'PUT',
      target: '/bkt/alg.bin',
      headers: [
        [H.cAlg, k.algorithm.b64],
        [H.cMd5, k.algorithm.md5],
      ],
    },
    // minio-js getObject sends the key in the query next to the right headers.
    minio: {
      method: 'GET',
      target: `/bkt/minio.bin?SSECustomerAlgorithm=AES256&SSECustomerKey=${enc(k.minio.b64)}&SSECustomerKeyMD5=${enc(k.minio.md5)}`,
      headers: sseC(k.minio),
    },
    semicolon: {
      method: 'GET',
      target: `/bkt/semi.bin?versionId=1;${H.cKey}=${enc(k.semicolon.b64)}`,
      headers: [],
    },
    fragment: {
      method: 'GET',
      target: `/bkt/frag.bin#${H.cKey}=${enc(k.fragment.b64)}`,
      headers: [],
    },
    doubleEncodedName: {
      method: 'GET',
      target: `/bkt/dbl.bin?x-obs-server-side-encryption-customer%252Dkey=${enc(enc(k.doubleEncodedName.b64))}`,
      headers: [],
    },
    hexInQuery: { method: 'GET', target: `/bkt/hex.bin?k=${k.hexInQuery.hex}`, headers: [] },
    urlSafeInPath: { method: 'GET', target: `/bkt/${k.urlSafeInPath.url}`, headers: [] },
    formField: {
      method: 'POST',
      target: '/bkt/',
      headers: [['Content-Type', form.type]],
      body: form.bytes,
    },
    echoed: { method: 'PUT', target: '/bkt/echo.bin', headers: sseC(k.echoed), body: Buffer.from('hi') },
  };
}

function rawRequest(p: Placement): Buffer {
  const body = p.body ?? Buffer.alloc(0);
  const head = [
    `${p.method} ${p.target} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...p.headers.map(([n, v]) => `${n}: ${v}`),
    ...(p.body ? [`Content-Length: ${body.length}`] : []),
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

let upstream: Upstream;
let proxy: CliProxy | undefined;
let dir: string;
let harFile: string;
const answers: string[] = [];

beforeAll(async () => {
  form = await formBytes([
    ['key', 'form.bin'],
    [H.cAlg, 'AES256'],
    [H.cKey, KEYS.formField.b64],
    [H.cMd5, KEYS.formField.md5],
    ['x-obs-meta-note', KEYS.formField.hex],
  ]);
  const bin = await freshBin();
  // OBS's InvalidArgument echoes the argument it rejects, the key included.
  upstream = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url !== '/bkt/echo.bin') {
        res.end('ok');
        return;
      }
      const body =
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code>' +
        `<Message>bad key</Message><ArgumentName>${H.cKey}</ArgumentName>` +
        `<ArgumentValue>${String(req.headers[H.cKey])}</ArgumentValue></Error>`;
      res.writeHead(400, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-redaction-'));
  harFile = join(dir, 'session.har');
  // The upstream is plain http: the transport rule is off so that correct SSE-C requests go through.
  proxy = await startCliProxy(
    [bin],
    ['--upstream', upstream.url.origin, '--har', harFile, '--rule', 'transport/https-required=off'],
  );
  const all = Object.values(placements());
  for (const p of all) {
    const client = await RawClient.connect(proxy.port);
    await client.write(rawRequest(p));
    const res = await client.readResponse(10_000);
    answers.push(`${res?.statusLine ?? 'no answer'}\n${JSON.stringify(res?.headers)}\n${res?.body ?? ''}`);
    client.destroy();
  }
  const logged = await eventually(
    () => proxy!.logs().filter((l) => l.event === 'exchange').length === all.length,
    10_000,
  );
  if (!logged) throw new Error(`expected ${all.length} exchange lines:\n${proxy.stdout()}`);
  proxy.child.kill('SIGTERM');
  await proxy.exited;
}, 300_000);

afterAll(async () => {
  if (proxy && proxy.child.exitCode === null && proxy.child.signalCode === null) {
    proxy.child.kill('SIGKILL');
    await proxy.exited;
  }
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('every placement reached the proxy, and the upstream really echoed a key', () => {
  expect(answers).toHaveLength(Object.keys(KEYS).length);
  for (const a of answers) expect(a).not.toBe('no answer');
  // The stand-in saw the key as sent, so a clean HAR means the proxy redacted it.
  expect(upstream.received.some((r) => r.headers[H.cKey] === KEYS.echoed.b64)).toBe(true);
  expect(answers.join('\n')).toContain('<ArgumentValue>');
});

it('the guard refuses every key it finds in the URL, with sse-c/key-in-url', () => {
  const lines = proxy!.logs().filter((l) => l.event === 'exchange');
  for (const file of ['minio.bin', 'semi.bin', 'frag.bin', 'dbl.bin']) {
    const line = lines.find((l) => String(l.url).includes(file));
    expect({ file, verdict: line?.verdict, codes: line?.codes }).toMatchObject({
      file,
      verdict: 'blocked',
      codes: expect.arrayContaining(['sse-c/key-in-url']) as unknown,
    });
  }
});

it('the stdout log lines and stderr carry no key', () => {
  expectNoLeak('proxy stdout', proxy!.stdout(), KEYS);
  expectNoLeak('proxy stderr', proxy!.stderr(), KEYS);
});

it('no answer the proxy gave a client carries a key it did not get from OBS', () => {
  // The echoed key is OBS's answer, relayed as is: the client sent that key itself.
  const others = Object.fromEntries(Object.entries(KEYS).filter(([label]) => label !== 'echoed'));
  expectNoLeak('client answers', answers.join('\n'), others);
});

it('the HAR is valid, has every exchange, and carries no key anywhere', () => {
  const text = readFileSync(harFile, 'utf8');
  const har = JSON.parse(text) as { log: { entries: Array<{ request: { url: string } }> } };
  expect(harProblems(har)).toEqual([]);
  expect(har.log.entries).toHaveLength(Object.keys(KEYS).length);
  expect(text).toContain('[REDACTED]');
  expectNoLeak('HAR', text, KEYS);
});

it.each(['stylish', 'json', 'sarif', 'junit'])('lint -f %s of the HAR prints no key', async (format) => {
  // Replayed from the recording's own text: what lint prints is only as safe as what it was given.
  const copy = join(dir, `copy-${format}.har`);
  writeFileSync(copy, readFileSync(harFile));
  const r = await runCli(['lint', '-f', format, '--fail-on', 'never', copy]);
  expect(r.code).toBe(0);
  expectNoLeak(`lint ${format}`, r.stdout + r.stderr, KEYS);
});
