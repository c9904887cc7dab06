/**
 * @aws-sdk/client-s3 with @aws-sdk/lib-storage through `obs-sse proxy` (enforce) in front of the stand-in: every
 * SSE mode, the multipart steps, lib-storage's Upload on 6 MiB, and the wrong uses the SDK lets you make. The
 * verdicts form test/clients/matrix/aws-sdk-js.json (drift-checked), rendered into docs/compatibility.md.
 */
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

import { finishSuite, KEY_ID, MiB, packageVersion, useCaAgent, useSuite } from './suite';

const s = useSuite('aws-sdk-js');
const tls = useCaAgent(s);

describe('@aws-sdk/client-s3 and @aws-sdk/lib-storage', () => {
  const client = 'aws-sdk-js v3 (+ lib-storage)';
  let s3: S3Client;
  let v: string;
  const ssec = (k: Buffer = s.keys.a) => ({
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: k as unknown as string,
  });
  const src = (k: Buffer = s.keys.a) => ({
    CopySourceSSECustomerAlgorithm: 'AES256',
    CopySourceSSECustomerKey: k as unknown as string,
  });
  const step = (operation: string, sse: string, fn: () => Promise<unknown>, note?: string) =>
    s.matrix.step({ client, version: v, operation, sse, ...(note ? { note } : {}) }, 'pass', fn);
  const wrong = (operation: string, sse: string, code: string, fn: () => Promise<unknown>, note: string) =>
    s.matrix.step({ client, version: v, operation, sse, note }, { blocked: code }, fn);

  beforeAll(async () => {
    v = `${packageVersion('@aws-sdk/client-s3')} / ${packageVersion('@aws-sdk/lib-storage')}`;
    s3 = new S3Client({
      endpoint: s.h.endpoint,
      region: 'cn-north-4',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      requestHandler: { httpsAgent: tls.agent },
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
    await step('CopyObject', 'SSE-C → SSE-C', () => copy('c2c', 'aws/c', { ...src(), ...ssec(s.keys.b) }));
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
      () => put(ssec(s.keys.short)),
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
            ...ssec(s.keys.b),
          }),
        ),
      'caught by the proxy’s session check',
    );
  });
});

finishSuite('aws-sdk-js', s);
