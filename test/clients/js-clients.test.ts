/**
 * Real JavaScript S3 clients through `obs-sse proxy` (enforce mode) in front of the stand-in: @aws-sdk/client-s3
 * with @aws-sdk/lib-storage, and minio-js. Every correct use passes; every wrong use the client lets you make is
 * blocked with the code naming it. The verdicts form the compatibility matrix (test/clients/matrix/js.json,
 * rendered into docs/compatibility.md), drift-checked here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import * as Minio from 'minio';

import { checkMatrix, Matrix, removeDir, startHarness, type Harness } from './harness';

const KEY = createHash('sha256').update('js clients key A').digest();
const KEY_B = createHash('sha256').update('js clients key B').digest();
const b64 = (k: Buffer): string => k.toString('base64');
const md5 = (k: Buffer): string => createHash('md5').update(k).digest('base64');
const KEY_ID = 'cn-north-4:0b2a0a0e53f0422f8bd7f1ed2d4b3a3e:key/4f1cd4de-ab64-4807-920a-47fc42e7f0d0';
const MiB = 1024 * 1024;
const version = (pkg: string): string =>
  (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;

let h: Harness;
let matrix: Matrix;
let agent: https.Agent;

beforeAll(async () => {
  h = await startHarness();
  matrix = new Matrix(h);
  agent = new https.Agent({ ca: h.pki.caPem, keepAlive: true });
});
afterAll(async () => {
  agent.destroy();
  await h.stop();
  removeDir(h);
});

/** The HAR is complete once the proxy has stopped. */
function readHar(): string {
  return readFileSync(h.harFile, 'utf8');
}

describe('@aws-sdk/client-s3 and @aws-sdk/lib-storage', () => {
  const client = 'aws-sdk-js v3 (+ lib-storage)';
  let s3: S3Client;
  let v: string;
  const ssec = (k: Buffer = KEY) => ({
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: k as unknown as string,
  });
  const src = (k: Buffer = KEY) => ({
    CopySourceSSECustomerAlgorithm: 'AES256',
    CopySourceSSECustomerKey: k as unknown as string,
  });
  const step = (operation: string, sse: string, fn: () => Promise<unknown>, note?: string) =>
    matrix.step({ client, version: v, operation, sse, ...(note ? { note } : {}) }, 'pass', fn);
  const wrong = (operation: string, sse: string, code: string, fn: () => Promise<unknown>, note: string) =>
    matrix.step({ client, version: v, operation, sse, note }, { blocked: code }, fn);

  beforeAll(async () => {
    v = `${version('@aws-sdk/client-s3')} / ${version('@aws-sdk/lib-storage')}`;
    s3 = new S3Client({
      endpoint: h.endpoint,
      region: 'cn-north-4',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      requestHandler: { httpsAgent: agent },
      maxAttempts: 1,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'aws' }));
  });
  afterAll(() => s3.destroy());

  test('correct uses pass in enforce mode', async () => {
    const put = (Key: string, p: object) =>
      s3.send(new PutObjectCommand({ Bucket: 'aws', Key, Body: 'x', ...p }));
    await step('PutObject', 'none', () => put('plain', {}));
    await step('PutObject', 'SSE-OBS', () => put('obs', { ServerSideEncryption: 'AES256' }));
    await step('PutObject', 'SSE-KMS', () => put('kms', { ServerSideEncryption: 'aws:kms' }));
    await step('PutObject', 'SSE-KMS + key id', () =>
      put('kms-id', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID }),
    );
    await step('PutObject', 'SSE-KMS + key id + bucket key', () =>
      put('kms-bk', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID, BucketKeyEnabled: true }),
    );
    await step('PutObject', 'SSE-C', () => put('c', ssec()));
    await step('GetObject', 'SSE-C', async () => {
      const r = await s3.send(new GetObjectCommand({ Bucket: 'aws', Key: 'c', ...ssec() }));
      expect(await r.Body!.transformToString()).toBe('x');
    });
    await step('HeadObject', 'SSE-C', () =>
      s3.send(new HeadObjectCommand({ Bucket: 'aws', Key: 'c', ...ssec() })),
    );
    const copy = (Key: string, CopySource: string, p: object) =>
      s3.send(new CopyObjectCommand({ Bucket: 'aws', Key, CopySource, ...p }));
    await step('CopyObject', 'SSE-C → SSE-C', () => copy('c2c', 'aws/c', { ...src(), ...ssec(KEY_B) }));
    await step('CopyObject', 'SSE-C → none', () => copy('c2n', 'aws/c', src()));
    await step('CopyObject', 'none → SSE-C', () => copy('n2c', 'aws/plain', ssec()));
    await step('CopyObject', 'SSE-C → SSE-KMS', () =>
      copy('c2k', 'aws/c', { ...src(), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID }),
    );
    await step('CopyObject', 'none → SSE-KMS', () =>
      copy('n2k', 'aws/plain', { ServerSideEncryption: 'aws:kms' }),
    );

    // The multipart steps by hand, SSE-C, with the triple repeated on the completion as lib-storage does.
    let uploadId = '';
    await step('CreateMultipartUpload', 'SSE-C', async () => {
      uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'aws', Key: 'mp', ...ssec() })))
        .UploadId!;
    });
    const parts: { ETag?: string; PartNumber: number }[] = [];
    await step('UploadPart', 'SSE-C', async () => {
      const r = await s3.send(
        new UploadPartCommand({
          Bucket: 'aws',
          Key: 'mp',
          UploadId: uploadId,
          PartNumber: 1,
          Body: Buffer.alloc(5 * MiB, 1),
          ...ssec(),
        }),
      );
      parts.push({ ETag: r.ETag, PartNumber: 1 });
    });
    await step('UploadPartCopy', 'SSE-C source → SSE-C part', async () => {
      const r = await s3.send(
        new UploadPartCopyCommand({
          Bucket: 'aws',
          Key: 'mp',
          UploadId: uploadId,
          PartNumber: 2,
          CopySource: 'aws/c',
          ...src(),
          ...ssec(),
        }),
      );
      parts.push({ ETag: r.CopyPartResult?.ETag, PartNumber: 2 });
    });
    await step(
      'CompleteMultipartUpload',
      'SSE-C (the upload’s triple repeated)',
      () =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'aws',
            Key: 'mp',
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
            ...ssec(),
          }),
        ),
      'S3 documents the triple here; OBS does not list it: header/unlisted, a warning',
    );
    const body = Buffer.alloc(6 * MiB, 2);
    await step(
      'Upload (lib-storage), 6 MiB',
      'SSE-C',
      () => new Upload({ client: s3, params: { Bucket: 'aws', Key: 'up-c', Body: body, ...ssec() } }).done(),
      'repeats the SSE-C triple on CompleteMultipartUpload: header/unlisted, a warning',
    );
    await step('Upload (lib-storage), 6 MiB', 'SSE-KMS + key id', () =>
      new Upload({
        client: s3,
        params: {
          Bucket: 'aws',
          Key: 'up-k',
          Body: body,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: KEY_ID,
        },
      }).done(),
    );
  });

  test('wrong uses the client lets you make are blocked with the code naming them', async () => {
    const put = (p: object) => s3.send(new PutObjectCommand({ Bucket: 'aws', Key: 'bad', Body: 'x', ...p }));
    await wrong(
      'PutObject',
      'SSE-C, 16-byte key',
      'sse-c/invalid-key',
      () => put(ssec(KEY.subarray(0, 16))),
      'the SDK sends any key length',
    );
    await wrong(
      'PutObject',
      'SSE-KMS + encryption context',
      'sse-kms/encryption-context-dropped',
      () => put({ ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'eyJ0ZWFtIjoiYSJ9' }),
      'OBS would drop the binding silently',
    );
    await wrong(
      'PutObject',
      'SSE-KMS + bucket key, no key id',
      'sse-kms/bucket-key-requires-key-id',
      () => put({ ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true }),
      'OBS requires the key id with the bucket key',
    );
    await wrong(
      'PutObject',
      'SSE-OBS + key id',
      'sse-kms/key-id-requires-kms',
      () => put({ ServerSideEncryption: 'AES256', SSEKMSKeyId: KEY_ID }),
      'a key id is meaningful with SSE-KMS only',
    );
    await wrong(
      'PutObject',
      'SSE-C + SSE-KMS',
      'sse/conflicting-methods',
      () => put({ ...ssec(), ServerSideEncryption: 'aws:kms' }),
      'two methods on one request',
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'aws', Key: 'mp2', ...ssec() }),
    );
    await wrong(
      'UploadPart',
      'SSE-C, another key than the upload’s',
      'session/key-mismatch',
      () =>
        s3.send(
          new UploadPartCommand({
            Bucket: 'aws',
            Key: 'mp2',
            UploadId,
            PartNumber: 1,
            Body: 'x',
            ...ssec(KEY_B),
          }),
        ),
      'caught by the proxy’s session check',
    );
  });
});

describe('minio-js', () => {
  const client = 'minio-js';
  let mc: Minio.Client;
  let v: string;
  const ssecHeaders = (k: Buffer = KEY) => ({
    'X-Amz-Server-Side-Encryption-Customer-Algorithm': 'AES256',
    'X-Amz-Server-Side-Encryption-Customer-Key': b64(k),
    'X-Amz-Server-Side-Encryption-Customer-Key-MD5': md5(k),
  });
  const step = (operation: string, sse: string, fn: () => Promise<unknown>, note?: string) =>
    matrix.step({ client, version: v, operation, sse, ...(note ? { note } : {}) }, 'pass', fn);

  beforeAll(async () => {
    v = version('minio');
    mc = new Minio.Client({
      endPoint: '127.0.0.1',
      port: h.port,
      useSSL: true,
      accessKey: 'AK',
      secretKey: 'SK',
      region: 'cn-north-4',
      pathStyle: true,
      partSize: 5 * MiB,
      transportAgent: agent,
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
    await step(
      'GetObject',
      'SSE-C',
      async () => {
        const s = await mc.getObject('mio', 'c', {
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: b64(KEY),
          SSECustomerKeyMD5: md5(KEY),
        });
        const chunks: Buffer[] = [];
        for await (const c of s) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).toString()).toBe('x');
      },
      'minio-js also puts the key into the URL query (?SSECustomerKey=…): sse-c/key-in-url (guard-core issue 11)',
    );
    // minio-js 8.0.7 refuses every non-empty CopyDestinationOptions.Encryption (its isEmptyObject is inverted),
    // and its SSE-C type would send x-amz-server-side-encryption: AES256 without a key; headers go through Headers.
    const copy = (from: string, to: string, headers: Record<string, string>) =>
      mc.copyObject(
        new Minio.CopySourceOptions({ Bucket: 'mio', Object: from }),
        new Minio.CopyDestinationOptions({ Bucket: 'mio', Object: to, Headers: headers }),
      );
    const srcHeaders = (k: Buffer = KEY) => ({
      'X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm': 'AES256',
      'X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key': b64(k),
      'X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-MD5': md5(k),
    });
    const note = 'through CopyDestinationOptions.Headers: its Encryption option is unusable (see the notes)';
    await step(
      'CopyObject',
      'SSE-C → SSE-C',
      () => copy('c', 'c2c', { ...srcHeaders(), ...ssecHeaders(KEY_B) }),
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
    await matrix.step(
      {
        client,
        version: v,
        operation: 'PutObject',
        sse: 'SSE-C, 16-byte key',
        note: 'minio-js sends any key as given',
      },
      { blocked: 'sse-c/invalid-key' },
      () => mc.putObject('mio', 'bad', Buffer.from('x'), 1, ssecHeaders(KEY.subarray(0, 16))),
    );
    await matrix.step(
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
    const sent = h.standin.exchanges.length;
    const row = await matrix.step(
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
    const reached = h.standin.exchanges.slice(sent).map((e) => e.operation);
    expect(reached).toContain('InitiateMultipartUpload');
    expect(reached).not.toContain('UploadPart');
  });
});

describe('the run', () => {
  beforeAll(() => h.stop());
  const keyInUrl = /[?&]SSECustomerKey=/;
  const leaks = (text: string): boolean =>
    [KEY, KEY_B, KEY.subarray(0, 16)].some(
      (k) => text.includes(b64(k)) || text.includes(encodeURIComponent(b64(k))),
    );

  test('no customer key in the proxy’s logs or HAR, but for minio-js’s key in the URL (below)', () => {
    const har = JSON.parse(readHar()) as {
      log: { entries: { request: { url: string } }[] };
    };
    const entries = har.log.entries.filter((e) => !keyInUrl.test(e.request.url));
    const lines = h.logs.filter((l) => !keyInUrl.test(String(l.url)));
    expect(entries.length).toBeGreaterThan(40);
    expect(leaks(JSON.stringify(entries) + JSON.stringify(lines))).toBe(false);
  });

  // minio-js's getObject sends ?SSECustomerKey=… (reference fact 16). Reporting it (sse-c/key-in-url) and
  // redacting it from logs and HARs is the guard-core issue's work; this test starts passing when that lands,
  // and then fails as a reminder to make it a plain test.
  test.failing('minio-js’s key in the URL query is redacted from the proxy’s log and HAR (issue 11)', () => {
    const withKey = h.logs.filter((l) => keyInUrl.test(String(l.url)));
    expect(withKey.length).toBe(1);
    expect(leaks(JSON.stringify(h.logs) + readHar())).toBe(false);
  });

  test('the matrix matches test/clients/matrix/js.json', () => {
    checkMatrix('js', matrix.rows);
  });
});
