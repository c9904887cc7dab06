/**
 * boto3 through `obs-sse proxy` (enforce) in front of the stand-in: Debian's python3-boto3 and, when the
 * `python3` on PATH has another version, that one too (1.43 here), each through test/clients/drivers/boto3_driver.py.
 * Every SSE mode it supports, the multipart path on a 6 MiB body, and the wrong uses it lets you make; the
 * verdicts form test/clients/matrix/boto3.json (drift-checked), rendered into docs/compatibility.md.
 */
import { Boto3, pythons } from './python-drivers';
import { finishSuite, KEY_ID, MiB, stepper, useSuite } from './suite';

jest.setTimeout(120_000);

const s = useSuite('boto3');
const PYTHONS = pythons();
const key = (k: Buffer) => ({ $key: k.toString('hex') });

// No boto3 at all (the setup script not run) skips the group rather than failing jest's empty table.
(PYTHONS.length > 0 ? describe.each(PYTHONS) : describe.skip.each(['/usr/bin/python3']))(
  'boto3 (%s)',
  (python) => {
    let b: Boto3;
    const step = stepper(s, 'boto3', () => b.version);
    const ssec = (k: Buffer = s.keys.a) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key(k) });
    const src = (k: Buffer = s.keys.a) => ({
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: key(k),
    });
    const bucket = python === 'python3' ? 'boto-path' : 'boto-debian';

    beforeAll(async () => {
      b = new Boto3(python, s.h.endpoint, s.h.pki.caFile);
      await b.start();
      await b.call('create_bucket', { Bucket: bucket });
    });
    afterAll(() => b.stop());

    test('correct uses pass in enforce mode', async () => {
      const put = (Key: string, p: object) => b.call('put_object', { Bucket: bucket, Key, Body: 'x', ...p });
      await step('PutObject', 'SSE-OBS', 'pass', () => put('obs', { ServerSideEncryption: 'AES256' }));
      await step('PutObject', 'SSE-KMS', 'pass', () => put('kms', { ServerSideEncryption: 'aws:kms' }));
      await step('PutObject', 'SSE-KMS + key id + bucket key', 'pass', () =>
        put('kms-bk', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID, BucketKeyEnabled: true }),
      );
      await step('PutObject', 'SSE-C', 'pass', () => put('c', ssec()));
      await step('GetObject', 'SSE-C', 'pass', async () => {
        expect((await b.call('get_object', { Bucket: bucket, Key: 'c', ...ssec() })).Body).toBe('x');
      });
      await step('HeadObject', 'SSE-C', 'pass', () =>
        b.call('head_object', { Bucket: bucket, Key: 'c', ...ssec() }),
      );
      const copy = (Key: string, from: string, p: object) =>
        b.call('copy_object', { Bucket: bucket, Key, CopySource: { Bucket: bucket, Key: from }, ...p });
      await put('plain', {});
      await step('CopyObject', 'SSE-C → SSE-C', 'pass', () =>
        copy('c2c', 'c', { ...src(), ...ssec(s.keys.b) }),
      );
      await step('CopyObject', 'SSE-C → none', 'pass', () => copy('c2n', 'c', src()));
      await step('CopyObject', 'none → SSE-C', 'pass', () => copy('n2c', 'plain', ssec()));
      await step('CopyObject', 'SSE-C → SSE-KMS + key id', 'pass', () =>
        copy('c2k', 'c', { ...src(), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID }),
      );
      let uploadId = '';
      await step('CreateMultipartUpload', 'SSE-C', 'pass', async () => {
        uploadId = String(
          (await b.call('create_multipart_upload', { Bucket: bucket, Key: 'mp', ...ssec() })).UploadId,
        );
      });
      const part = { Bucket: bucket, Key: 'mp', UploadId: uploadId };
      const parts: { ETag: string; PartNumber: number }[] = [];
      await step('UploadPart', 'SSE-C', 'pass', async () => {
        const r = await b.call('upload_part', {
          ...part,
          UploadId: uploadId,
          PartNumber: 1,
          Body: { $bytes: 5 * MiB, fill: 1 },
          ...ssec(),
        });
        parts.push({ ETag: String(r.ETag), PartNumber: 1 });
      });
      await step('UploadPartCopy', 'SSE-C source → SSE-C part', 'pass', async () => {
        const r = await b.call('upload_part_copy', {
          ...part,
          UploadId: uploadId,
          PartNumber: 2,
          CopySource: { Bucket: bucket, Key: 'c' },
          ...src(),
          ...ssec(),
        });
        parts.push({ ETag: String(r.ETag), PartNumber: 2 });
      });
      await step('CompleteMultipartUpload', 'SSE-C upload, no triple', 'pass', () =>
        b.call('complete_multipart_upload', {
          ...part,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      const big = { $bytes: 6 * MiB, fill: 2 };
      await step(
        'upload_fileobj (s3transfer), 6 MiB',
        'SSE-C',
        'pass',
        () => b.call('upload_fileobj', { Bucket: bucket, Key: 'up-c', Body: big, ...ssec() }),
        'newer s3transfer repeats the SSE-C triple on CompleteMultipartUpload: header/unlisted, a warning',
      );
      await step('upload_fileobj (s3transfer), 6 MiB', 'SSE-KMS + key id', 'pass', () =>
        b.call('upload_fileobj', {
          Bucket: bucket,
          Key: 'up-k',
          Body: big,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: KEY_ID,
        }),
      );
      await step('copy (s3transfer, multipart), 6 MiB', 'SSE-C → SSE-C', 'pass', () =>
        b.call('copy', {
          Bucket: bucket,
          Key: 'up-c2',
          CopySource: { Bucket: bucket, Key: 'up-c' },
          ...src(),
          ...ssec(s.keys.b),
        }),
      );
    });

    test('wrong uses the client lets you make are blocked with the code naming them', async () => {
      const put = (p: object) => b.call('put_object', { Bucket: bucket, Key: 'bad', Body: 'x', ...p });
      await step(
        'PutObject',
        'SSE-C, 16-byte key',
        { blocked: 'sse-c/invalid-key' },
        () => put(ssec(s.keys.short)),
        'boto3 sends any key length',
      );
      await step(
        'PutObject',
        'SSE-KMS + encryption context',
        { blocked: 'sse-kms/encryption-context-dropped' },
        () => put({ ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'eyJ0ZWFtIjoiYSJ9' }),
        'OBS would drop the binding silently',
      );
      await step(
        'PutObject',
        'SSE-KMS + bucket key, no key id',
        { blocked: 'sse-kms/bucket-key-requires-key-id' },
        () => put({ ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true }),
      );
      await step('PutObject', 'SSE-OBS + key id', { blocked: 'sse-kms/key-id-requires-kms' }, () =>
        put({ ServerSideEncryption: 'AES256', SSEKMSKeyId: KEY_ID }),
      );
      const { UploadId } = await b.call('create_multipart_upload', { Bucket: bucket, Key: 'mp2', ...ssec() });
      await step(
        'UploadPart',
        'SSE-C, another key than the upload’s',
        { blocked: 'session/key-mismatch' },
        () =>
          b.call('upload_part', {
            Bucket: bucket,
            Key: 'mp2',
            UploadId,
            PartNumber: 1,
            Body: 'x',
            ...ssec(s.keys.b),
          }),
      );
    });
  },
);

finishSuite('boto3', s);
