/**
 * Real S3 clients from Debian (installed by .ci/setup.d/12-s3-clients.sh) through `obs-sse proxy` (enforce mode)
 * in front of the stand-in, driven as child processes: boto3 (Debian's, and a newer one when the `python3` on PATH
 * has it), awscli, rclone and s3cmd. Every SSE mode each supports, the multipart path on a 6 MiB body, and the
 * wrong uses each lets you make. The verdicts form test/clients/matrix/cli.json, drift-checked here.
 */
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

import {
  checkMatrix,
  Matrix,
  removeDir,
  startHarness,
  type Expect,
  type Harness,
  type MatrixRow,
} from './harness';

jest.setTimeout(120_000);

const KEY = createHash('sha256').update('cli clients key A').digest();
const KEY_B = createHash('sha256').update('cli clients key B').digest();
const SHORT = KEY.subarray(0, 16);
const b64 = (k: Buffer): string => k.toString('base64');
const KEY_ID = 'cn-north-4:0b2a0a0e53f0422f8bd7f1ed2d4b3a3e:key/4f1cd4de-ab64-4807-920a-47fc42e7f0d0';
const MiB = 1024 * 1024;

let h: Harness;
let matrix: Matrix;
let files: Record<'small' | 'big' | 'key' | 'keyB' | 'short', string>;

beforeAll(async () => {
  h = await startHarness();
  matrix = new Matrix(h);
  files = {
    small: join(h.dir, 'small.txt'),
    big: join(h.dir, 'big.bin'),
    key: join(h.dir, 'key.bin'),
    keyB: join(h.dir, 'keyB.bin'),
    short: join(h.dir, 'short.bin'),
  };
  writeFileSync(files.small, 'x');
  writeFileSync(files.big, Buffer.alloc(6 * MiB, 5));
  writeFileSync(files.key, KEY);
  writeFileSync(files.keyB, KEY_B);
  writeFileSync(files.short, SHORT);
});
afterAll(async () => {
  await h.stop();
  removeDir(h);
});

/** Runs a client; rejects with its stderr on a non-zero exit. */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 * MiB },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${cmd} ${args[0]}: ${stderr.slice(-500)}`)) : resolve(stdout),
    );
  });
}

const have = (bin: string): boolean => existsSync(bin);
const stepper =
  (client: string, version: () => string) =>
  (
    operation: string,
    sse: string,
    expected: Expect,
    fn: () => Promise<unknown>,
    note?: string,
  ): Promise<MatrixRow> =>
    matrix.step({ client, version: version(), operation, sse, ...(note ? { note } : {}) }, expected, fn);

/** boto3 through test/clients/drivers/boto3_driver.py, one long-lived interpreter per version. */
class Boto3 {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  version = '';

  constructor(python: string) {
    this.child = spawn(python, [join(__dirname, 'drivers', 'boto3_driver.py'), h.endpoint, h.pki.caFile]);
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.answers.push(line);
    });
  }

  private next(): Promise<Record<string, unknown>> {
    const queued = this.answers.shift();
    const parse = (l: string) => JSON.parse(l) as Record<string, unknown>;
    if (queued !== undefined) return Promise.resolve(parse(queued));
    return new Promise((resolve) => (this.waiting = (l) => resolve(parse(l))));
  }

  async start(): Promise<void> {
    this.version = String((await this.next()).ready);
  }

  /** Calls the client; rejects when boto3 raised. */
  async call(call: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.child.stdin.write(JSON.stringify({ call, args }) + '\n');
    const a = await this.next();
    if (!a.ok) throw new Error(`${String(a.error)}: ${String(a.message)}`);
    return a;
  }

  stop(): void {
    this.child.stdin.end();
    this.lines.close();
  }
}

/** The boto3 interpreters: Debian's, and the PATH's python3 when it has another boto3. */
function pythons(): string[] {
  const version = (py: string): string | undefined => {
    try {
      return execFileSync(py, ['-c', 'import boto3; print(boto3.__version__)'], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  const debian = version('/usr/bin/python3');
  const path = version('python3');
  return [...(debian ? ['/usr/bin/python3'] : []), ...(path && path !== debian ? ['python3'] : [])];
}

const PYTHONS = pythons();
const key = (k: Buffer) => ({ $key: k.toString('hex') });

// No boto3 at all (the setup script not run) skips the group rather than failing jest's empty table.
(PYTHONS.length > 0 ? describe.each(PYTHONS) : describe.skip.each(['/usr/bin/python3']))(
  'boto3 (%s)',
  (python) => {
    let b: Boto3;
    const step = stepper('boto3', () => b.version);
    const ssec = (k: Buffer = KEY) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key(k) });
    const src = (k: Buffer = KEY) => ({
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: key(k),
    });
    const bucket = python === 'python3' ? 'boto-path' : 'boto-debian';

    beforeAll(async () => {
      b = new Boto3(python);
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
      await step('CopyObject', 'SSE-C → SSE-C', 'pass', () => copy('c2c', 'c', { ...src(), ...ssec(KEY_B) }));
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
          ...ssec(KEY_B),
        }),
      );
    });

    test('wrong uses the client lets you make are blocked with the code naming them', async () => {
      const put = (p: object) => b.call('put_object', { Bucket: bucket, Key: 'bad', Body: 'x', ...p });
      await step(
        'PutObject',
        'SSE-C, 16-byte key',
        { blocked: 'sse-c/invalid-key' },
        () => put(ssec(SHORT)),
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
            ...ssec(KEY_B),
          }),
      );
    });
  },
);

const AWS = '/usr/bin/aws';
(have(AWS) ? describe : describe.skip)('awscli (Debian)', () => {
  let version = '';
  const step = stepper('awscli', () => version);
  let env: Record<string, string>;
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', h.endpoint, ...args], env);
  const s3 = (from: string, to: string, ...args: string[]) =>
    aws('s3', 'cp', '--no-progress', from, to, ...args);
  const ssec = (file = files.key) => ['--sse-c', 'AES256', '--sse-c-key', `fileb://${file}`];

  beforeAll(async () => {
    const config = join(h.dir, 'aws-config');
    writeFileSync(
      config,
      '[default]\nregion = cn-north-4\ns3 =\n  addressing_style = path\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n',
    );
    env = {
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(h.dir, 'none'),
      AWS_ACCESS_KEY_ID: 'AK',
      AWS_SECRET_ACCESS_KEY: 'SK',
      AWS_CA_BUNDLE: h.pki.caFile,
      AWS_MAX_ATTEMPTS: '1',
      AWS_PAGER: '',
    };
    version = (await run(AWS, ['--version'], env)).split(' ')[0]!.replace('aws-cli/', '');
    await aws('s3api', 'create-bucket', '--bucket', 'awscli');
  });

  test('correct uses pass in enforce mode', async () => {
    const to = (k: string) => `s3://awscli/${k}`;
    await step('s3 cp (PutObject)', 'SSE-OBS', 'pass', () => s3(files.small, to('obs'), '--sse', 'AES256'));
    await step('s3 cp (PutObject)', 'SSE-KMS', 'pass', () => s3(files.small, to('kms'), '--sse', 'aws:kms'));
    await step('s3 cp (PutObject)', 'SSE-KMS + key id', 'pass', () =>
      s3(files.small, to('kms-id'), '--sse', 'aws:kms', '--sse-kms-key-id', KEY_ID),
    );
    await step('s3api put-object', 'SSE-KMS + key id + bucket key', 'pass', () =>
      aws(
        's3api',
        'put-object',
        '--bucket',
        'awscli',
        '--key',
        'bk',
        '--body',
        files.small,
        '--server-side-encryption',
        'aws:kms',
        '--ssekms-key-id',
        KEY_ID,
        '--bucket-key-enabled',
      ),
    );
    await step('s3 cp (PutObject)', 'SSE-C', 'pass', () => s3(files.small, to('c'), ...ssec()));
    await step('s3 cp (HeadObject, GetObject)', 'SSE-C', 'pass', () =>
      s3(to('c'), join(h.dir, 'c.out'), ...ssec()),
    );
    await step('s3 cp (CopyObject)', 'SSE-C → SSE-C', 'pass', () =>
      s3(
        to('c'),
        to('c2c'),
        '--sse-c-copy-source',
        'AES256',
        '--sse-c-copy-source-key',
        `fileb://${files.key}`,
        ...ssec(files.keyB),
      ),
    );
    await step('s3 cp (CopyObject)', 'SSE-C → SSE-KMS', 'pass', () =>
      s3(
        to('c'),
        to('c2k'),
        '--sse-c-copy-source',
        'AES256',
        '--sse-c-copy-source-key',
        `fileb://${files.key}`,
        '--sse',
        'aws:kms',
      ),
    );
    await step('s3 cp, 6 MiB (multipart)', 'SSE-C', 'pass', () => s3(files.big, to('big-c'), ...ssec()));
    await step('s3 cp, 6 MiB (multipart)', 'SSE-KMS + key id', 'pass', () =>
      s3(files.big, to('big-k'), '--sse', 'aws:kms', '--sse-kms-key-id', KEY_ID),
    );
    await step('s3 cp, 6 MiB (multipart copy)', 'SSE-C → SSE-C', 'pass', () =>
      s3(
        to('big-c'),
        to('big-c2'),
        '--sse-c-copy-source',
        'AES256',
        '--sse-c-copy-source-key',
        `fileb://${files.key}`,
        ...ssec(),
      ),
    );
  });

  test('wrong uses the client lets you make are blocked with the code naming them', async () => {
    const put = (...args: string[]) =>
      aws('s3api', 'put-object', '--bucket', 'awscli', '--key', 'bad', '--body', files.small, ...args);
    await step('s3api put-object', 'SSE-C, 16-byte key', { blocked: 'sse-c/invalid-key' }, () =>
      put('--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${files.short}`),
    );
    await step(
      's3api put-object',
      'SSE-KMS + encryption context',
      { blocked: 'sse-kms/encryption-context-dropped' },
      () => put('--server-side-encryption', 'aws:kms', '--ssekms-encryption-context', 'eyJ0ZWFtIjoiYSJ9'),
    );
    await step(
      's3api put-object',
      'SSE-KMS + bucket key, no key id',
      { blocked: 'sse-kms/bucket-key-requires-key-id' },
      () => put('--server-side-encryption', 'aws:kms', '--bucket-key-enabled'),
    );
    await step('s3 cp (PutObject)', 'SSE-OBS + key id', { blocked: 'sse-kms/key-id-requires-kms' }, () =>
      s3(files.small, 's3://awscli/bad2', '--sse', 'AES256', '--sse-kms-key-id', KEY_ID),
    );
  });
});

const RCLONE = '/usr/bin/rclone';
(have(RCLONE) ? describe : describe.skip)('rclone (Debian)', () => {
  let version = '';
  const step = stepper('rclone', () => version);
  const rclone = (...args: string[]) =>
    run(
      RCLONE,
      [
        '--s3-upload-cutoff',
        '5M',
        '--s3-chunk-size',
        '5M',
        '--low-level-retries',
        '1',
        '--retries',
        '1',
        ...args,
      ],
      {
        // rclone 1.60's --ca-cert, and AWS_CA_BUNDLE, cannot reach its S3 transport (it refuses to start with
        // either); Go's own SSL_CERT_FILE can.
        SSL_CERT_FILE: h.pki.caFile,
        AWS_CA_BUNDLE: '',
        RCLONE_CONFIG: join(h.dir, 'rclone.conf'),
        RCLONE_CONFIG_OBS_TYPE: 's3',
        // HuaweiOBS would force virtual-hosted names, which 127.0.0.1 cannot have.
        RCLONE_CONFIG_OBS_PROVIDER: 'Other',
        RCLONE_CONFIG_OBS_ENDPOINT: h.endpoint,
        RCLONE_CONFIG_OBS_ACCESS_KEY_ID: 'AK',
        RCLONE_CONFIG_OBS_SECRET_ACCESS_KEY: 'SK',
        RCLONE_CONFIG_OBS_FORCE_PATH_STYLE: 'true',
      },
    );
  const ssec = (k: Buffer = KEY) => [
    '--s3-sse-customer-algorithm',
    'AES256',
    '--s3-sse-customer-key-base64',
    b64(k),
  ];

  beforeAll(async () => {
    writeFileSync(join(h.dir, 'rclone.conf'), '');
    version = (await run(RCLONE, ['version'])).split('\n')[0]!.replace('rclone ', '');
    await rclone('mkdir', 'obs:rclone');
  });

  test('correct uses pass in enforce mode', async () => {
    await step('copyto (PutObject)', 'SSE-OBS', 'pass', () =>
      rclone('copyto', files.small, 'obs:rclone/obs', '--s3-server-side-encryption', 'AES256'),
    );
    await step('copyto (PutObject)', 'SSE-KMS + key id', 'pass', () =>
      rclone(
        'copyto',
        files.small,
        'obs:rclone/kms',
        '--s3-server-side-encryption',
        'aws:kms',
        '--s3-sse-kms-key-id',
        KEY_ID,
      ),
    );
    await step('copyto (PutObject)', 'SSE-C', 'pass', () =>
      rclone('copyto', files.small, 'obs:rclone/c', ...ssec()),
    );
    await step('cat (GetObject)', 'SSE-C', 'pass', async () => {
      expect(await rclone('cat', 'obs:rclone/c', ...ssec())).toBe('x');
    });
    await step('copyto, 6 MiB (multipart)', 'SSE-C', 'pass', () =>
      rclone('copyto', files.big, 'obs:rclone/big-c', ...ssec()),
    );
    await step('copyto, 6 MiB (multipart)', 'SSE-KMS + key id', 'pass', () =>
      rclone(
        'copyto',
        files.big,
        'obs:rclone/big-k',
        '--s3-server-side-encryption',
        'aws:kms',
        '--s3-sse-kms-key-id',
        KEY_ID,
      ),
    );
  });

  test('wrong uses the client lets you make are blocked with the code naming them', async () => {
    await step('copyto (PutObject)', 'SSE-C, 16-byte key', { blocked: 'sse-c/invalid-key' }, () =>
      rclone('copyto', files.small, 'obs:rclone/bad', ...ssec(SHORT)),
    );
  });
});

const S3CMD = '/usr/bin/s3cmd';
(have(S3CMD) ? describe : describe.skip)('s3cmd (Debian)', () => {
  let version = '';
  const step = stepper('s3cmd', () => version);
  const s3cmd = (...args: string[]) =>
    run(S3CMD, ['-c', join(h.dir, 's3cfg'), '--multipart-chunk-size-mb=5', ...args]);

  beforeAll(async () => {
    const host = `127.0.0.1:${h.port}`;
    writeFileSync(
      join(h.dir, 's3cfg'),
      [
        '[default]',
        'access_key = AK',
        'secret_key = SK',
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'use_https = True',
        `ca_certs_file = ${h.pki.caFile}`,
        'bucket_location = cn-north-4',
        'max_retries = 1',
        '',
      ].join('\n'),
    );
    version = (await run(S3CMD, ['--version'])).trim().replace('s3cmd version ', '');
    await s3cmd('mb', 's3://s3cmd');
  });

  test('correct uses pass in enforce mode (s3cmd has no SSE-C)', async () => {
    await step('put (PutObject)', 'SSE-OBS', 'pass', () =>
      s3cmd('put', files.small, 's3://s3cmd/obs', '--server-side-encryption'),
    );
    await step('put (PutObject)', 'SSE-KMS + key id', 'pass', () =>
      s3cmd('put', files.small, 's3://s3cmd/kms', `--server-side-encryption-kms-id=${KEY_ID}`),
    );
    await step('get (GetObject)', 'SSE-KMS object', 'pass', () =>
      s3cmd('get', '--force', 's3://s3cmd/kms', join(h.dir, 'kms.out')),
    );
    await step('put, 6 MiB (multipart)', 'SSE-KMS + key id', 'pass', () =>
      s3cmd('put', files.big, 's3://s3cmd/big-k', `--server-side-encryption-kms-id=${KEY_ID}`),
    );
    await step('cp (CopyObject)', 'none → SSE-OBS', 'pass', () =>
      s3cmd('cp', 's3://s3cmd/kms', 's3://s3cmd/copy', '--server-side-encryption'),
    );
  });
});

describe('the run', () => {
  beforeAll(() => h.stop());

  test('no customer key in the proxy’s logs or HAR', () => {
    const text = JSON.stringify(h.logs) + readFileSync(h.harFile, 'utf8');
    for (const k of [KEY, KEY_B, SHORT]) {
      expect(text).not.toContain(b64(k));
      expect(text).not.toContain(encodeURIComponent(b64(k)));
    }
  });

  test('the matrix matches test/clients/matrix/cli.json', () => {
    checkMatrix('cli', matrix.rows);
  });
});
