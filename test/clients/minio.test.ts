/**
 * minio-js through `obs-sse proxy` (enforce) in front of the stand-in: every SSE mode it can send, its multipart
 * putObject on 6 MiB, and the wrong uses it lets you make. Its streamed multipart sends the parts without the
 * SSE-C key (the session check refuses them), and its getObject puts the key into the URL query. The verdicts
 * form test/clients/matrix/minio.json (drift-checked), rendered into docs/compatibility.md.
 */
import { readFileSync } from 'node:fs';
import * as Minio from 'minio';

import { b64, finishSuite, KEY_ID, leaks, md5, MiB, packageVersion, useCaAgent, useSuite } from './suite';

const s = useSuite('minio');
const tls = useCaAgent(s);

describe('minio-js', () => {
  const client = 'minio-js';
  let mc: Minio.Client;
  let v: string;
  const ssecHeaders = (k: Buffer = s.keys.a) => ({
    'X-Amz-Server-Side-Encryption-Customer-Algorithm': 'AES256',
    'X-Amz-Server-Side-Encryption-Customer-Key': b64(k),
    'X-Amz-Server-Side-Encryption-Customer-Key-MD5': md5(k),
  });
  const step = (operation: string, sse: string, fn: () => Promise<unknown>, note?: string) =>
    s.matrix.step({ client, version: v, operation, sse, ...(note ? { note } : {}) }, 'pass', fn);

  beforeAll(async () => {
    v = packageVersion('minio');
    mc = new Minio.Client({
      endPoint: '127.0.0.1',
      port: s.h.port,
      useSSL: true,
      accessKey: 'AK',
      secretKey: 'SK',
      region: 'cn-north-4',
      pathStyle: true,
      partSize: 5 * MiB,
      transportAgent: tls.agent,
    });
    await mc.makeBucket('mio', 'cn-north-4');
  });

  test('correct uses pass in enforce mode', async () => {
    const put = (name: string, meta: Record<string, string>) =>
      mc.putObject('mio', name, Buffer.from('x'), 1, meta);
    await step('PutObject', 'none', () => put('plain', {}));
    await step('PutObject', 'SSE-OBS', () => put('obs', { 'X-Amz-Server-Side-Encryption': 'AES256' }));
    await step('PutObject', 'SSE-KMS + key id', () =>
      put('kms', {
        'X-Amz-Server-Side-Encryption': 'aws:kms',
        'X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id': KEY_ID,
      }),
    );
    await step('PutObject', 'SSE-C', () => put('c', ssecHeaders()));
    // minio-js 8.0.7 refuses every non-empty CopyDestinationOptions.Encryption (its isEmptyObject is inverted),
    // and its SSE-C type would send x-amz-server-side-encryption: AES256 without a key; headers go through Headers.
    const copy = (from: string, to: string, headers: Record<string, string>) =>
      mc.copyObject(
        new Minio.CopySourceOptions({ Bucket: 'mio', Object: from }),
        new Minio.CopyDestinationOptions({ Bucket: 'mio', Object: to, Headers: headers }),
      );
    const srcHeaders = (k: Buffer = s.keys.a) => ({
      'X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm': 'AES256',
      'X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key': b64(k),
      'X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-MD5': md5(k),
    });
    const note = 'through CopyDestinationOptions.Headers: its Encryption option is unusable (see the notes)';
    await step(
      'CopyObject',
      'SSE-C → SSE-C',
      () => copy('c', 'c2c', { ...srcHeaders(), ...ssecHeaders(s.keys.b) }),
      note,
    );
    await step('CopyObject', 'SSE-C → none', () => copy('c', 'c2n', srcHeaders()), note);
    await step('CopyObject', 'none → SSE-C', () => copy('plain', 'n2c', ssecHeaders()), note);
    await step(
      'CopyObject',
      'none → SSE-KMS + key id',
      () =>
        copy('plain', 'n2k', {
          'X-Amz-Server-Side-Encryption': 'aws:kms',
          'X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id': KEY_ID,
        }),
      note,
    );
    await step('putObject, 6 MiB (multipart)', 'SSE-KMS + key id', () =>
      mc.putObject('mio', 'big-k', Buffer.alloc(6 * MiB, 3), 6 * MiB, {
        'X-Amz-Server-Side-Encryption': 'aws:kms',
        'X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id': KEY_ID,
      }),
    );
  });

  test('wrong uses the client lets you make are blocked with the code naming them', async () => {
    // minio-js's getObject sends the SSE-C key in the URL query as well as in the headers (reference fact 16):
    // the key then lands in every access log on the way, so enforce mode refuses it (sse-c/key-in-url).
    await s.matrix.step(
      {
        client,
        version: v,
        operation: 'GetObject',
        sse: 'SSE-C',
        note: 'minio-js also puts the key into the URL query (?SSECustomerKey=…): refused as sse-c/key-in-url',
      },
      { blocked: 'sse-c/key-in-url' },
      () =>
        mc.getObject('mio', 'c', {
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: b64(s.keys.a),
          SSECustomerKeyMD5: md5(s.keys.a),
        }),
    );
    await s.matrix.step(
      {
        client,
        version: v,
        operation: 'PutObject',
        sse: 'SSE-C, 16-byte key',
        note: 'minio-js sends any key as given',
      },
      { blocked: 'sse-c/invalid-key' },
      () => mc.putObject('mio', 'bad', Buffer.from('x'), 1, ssecHeaders(s.keys.short)),
    );
    await s.matrix.step(
      {
        client,
        version: v,
        operation: 'PutObject',
        sse: 'SSE-C + SSE-KMS',
        note: 'two methods on one request',
      },
      { blocked: 'sse/conflicting-methods' },
      () =>
        mc.putObject('mio', 'bad', Buffer.from('x'), 1, {
          ...ssecHeaders(),
          'X-Amz-Server-Side-Encryption': 'aws:kms',
        }),
    );
  });

  test('its streamed multipart upload sends the parts without the SSE-C key: the session check blocks it', async () => {
    const sent = s.h.standin.exchanges.length;
    const row = await s.matrix.step(
      {
        client,
        version: v,
        operation: 'putObject, 6 MiB (multipart)',
        sse: 'SSE-C',
        note: 'minio-js defect: the parts go without the SSE-C triple of the initiate',
      },
      { blocked: 'session/key-mismatch' },
      () => mc.putObject('mio', 'big-c', Buffer.alloc(6 * MiB, 4), 6 * MiB, ssecHeaders()),
    );
    expect(row.codes).toEqual(['session/key-mismatch']);
    const reached = s.h.standin.exchanges.slice(sent).map((e) => e.operation);
    expect(reached).toContain('InitiateMultipartUpload');
    expect(reached).not.toContain('UploadPart');
  });
});

// minio-js's getObject sends ?SSECustomerKey=… (reference fact 16): the guard reports it (sse-c/key-in-url) and
// redacts the key from its log line and HAR by value.
const KEY_IN_URL = /[?&]SSECustomerKey=/;
describe('the key minio-js puts into the URL', () => {
  test('is redacted from the proxy’s log and HAR', async () => {
    await s.h.stop();
    expect(s.h.logs.filter((l) => KEY_IN_URL.test(String(l.url)))).toHaveLength(1);
    expect(leaks(s, JSON.stringify(s.h.logs) + readFileSync(s.h.harFile, 'utf8'))).toBe(false);
  });
});

finishSuite('minio', s);
