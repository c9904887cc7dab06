/**
 * obsSsePlugin end to end: the real @aws-sdk/client-s3 (and @aws-sdk/lib-storage's Upload) with the plugin in
 * its middleware stack, against the stand-in over HTTPS (private CA). Correct uses pass in enforce mode; wrong
 * ones reject with ObsSseGuardError and nothing reaches the stand-in; report mode sends and logs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { obsSsePlugin, OBS_SSE_MIDDLEWARE, type ObsSsePluginOptions } from '../../src/guard/aws-sdk';
import { guardErrorOf, ObsSseGuardError } from '../../src/guard/error';
import { startStandin, type Standin } from '../../src/standin/server';
import { makePki, type TestPki } from '../../src/standin/tls';
import { freshBin, ROOT } from '../support/dist';

const KEY = createHash('sha256').update('aws plugin key A').digest();
const KEY_B = createHash('sha256').update('aws plugin key B').digest();
const KEY_ID = 'cn-north-4:0b2a0a0e53f0422f8bd7f1ed2d4b3a3e:key/4f1cd4de-ab64-4807-920a-47fc42e7f0d0';
const MiB = 1024 * 1024;
type Line = Record<string, unknown>;

let pki: TestPki;
let tlsStandin: Standin;
let plainStandin: Standin;
let agent: https.Agent;

beforeAll(async () => {
  pki = makePki();
  tlsStandin = await startStandin({ tls: pki.tls });
  plainStandin = await startStandin();
  agent = new https.Agent({ ca: pki.caPem, keepAlive: true });
});
afterAll(async () => {
  agent.destroy();
  await tlsStandin.close();
  await plainStandin.close();
  pki.remove();
});

function client(options: ObsSsePluginOptions & { endpoint?: string } = {}): { s3: S3Client; lines: Line[] } {
  const lines: Line[] = [];
  const { endpoint = tlsStandin.url, ...plugin } = options;
  const s3 = new S3Client({
    endpoint,
    region: 'cn-north-4',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    requestHandler: { httpsAgent: agent },
    maxAttempts: 1,
  });
  s3.middlewareStack.use(obsSsePlugin({ log: (l) => lines.push(l as Line), ...plugin }));
  return { s3, lines };
}

const ssec = (key: Buffer = KEY) => ({
  SSECustomerAlgorithm: 'AES256',
  SSECustomerKey: key as unknown as string,
});

async function rejected(p: Promise<unknown>): Promise<ObsSseGuardError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  const g = guardErrorOf(err);
  if (!g) throw new Error(`expected an ObsSseGuardError, got ${String(err)}`);
  return g;
}

/** A client made once the stand-in runs, with its bucket; `c.s3` and `c.lines` inside the tests. */
function clientFor(bucket: string): { s3: S3Client; lines: Line[] } {
  const c = {} as { s3: S3Client; lines: Line[] };
  beforeAll(async () => {
    Object.assign(c, client());
    await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  return c;
}

describe('enforce mode: correct uses pass', () => {
  const c = clientFor('plug');

  test('SSE-C put, get, head, and copy in every source × target combination', async () => {
    await c.s3.send(new PutObjectCommand({ Bucket: 'plug', Key: 'c', Body: 'hello', ...ssec() }));
    const got = await c.s3.send(new GetObjectCommand({ Bucket: 'plug', Key: 'c', ...ssec() }));
    expect(await got.Body!.transformToString()).toBe('hello');
    await c.s3.send(new HeadObjectCommand({ Bucket: 'plug', Key: 'c', ...ssec() }));
    await c.s3.send(new PutObjectCommand({ Bucket: 'plug', Key: 'plain', Body: 'p' }));
    const src = {
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: KEY as unknown as string,
    };
    await c.s3.send(
      new CopyObjectCommand({ Bucket: 'plug', Key: 'c2c', CopySource: 'plug/c', ...src, ...ssec(KEY_B) }),
    );
    await c.s3.send(new CopyObjectCommand({ Bucket: 'plug', Key: 'c2p', CopySource: 'plug/c', ...src }));
    await c.s3.send(
      new CopyObjectCommand({ Bucket: 'plug', Key: 'p2c', CopySource: 'plug/plain', ...ssec() }),
    );
    await c.s3.send(
      new CopyObjectCommand({
        Bucket: 'plug',
        Key: 'c2k',
        CopySource: 'plug/c',
        ...src,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KEY_ID,
      }),
    );
    expect(c.lines.map((l) => l.verdict)).not.toContain('blocked');
  });

  test('SSE-KMS with and without a key id, the bucket key with a key id, and SSE-OBS', async () => {
    const puts: Partial<PutObjectCommandInput>[] = [
      { ServerSideEncryption: 'aws:kms' },
      { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID },
      { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID, BucketKeyEnabled: true },
      { ServerSideEncryption: 'AES256' },
    ];
    for (const [i, p] of puts.entries()) {
      await c.s3.send(new PutObjectCommand({ Bucket: 'plug', Key: `k${i}`, Body: 'x', ...p }));
    }
    const mine = c.lines.slice(-puts.length);
    expect(mine.map((l) => [l.operation, l.verdict, l.codes])).toEqual(
      puts.map(() => ['PutObject', 'pass', []]),
    );
  });

  test('lib-storage Upload of 6 MiB with SSE-C: the triple on CompleteMultipartUpload is a warning, not a block', async () => {
    const before = c.lines.length;
    const body = Buffer.alloc(6 * MiB, 7);
    await new Upload({ client: c.s3, params: { Bucket: 'plug', Key: 'big', Body: body, ...ssec() } }).done();
    const ops = c.lines.slice(before);
    expect(ops.map((l) => [l.operation, l.verdict])).toEqual([
      ['InitiateMultipartUpload', 'pass'],
      ['UploadPart', 'pass'],
      ['UploadPart', 'pass'],
      ['CompleteMultipartUpload', 'pass'],
    ]);
    expect(ops[3]!.codes).toEqual(['header/unlisted']);
  });

  test('the plugin runs before signing, under its own name', () => {
    const names = c.s3.middlewareStack.identify();
    const mine = names.findIndex((n) => n.startsWith(OBS_SSE_MIDDLEWARE));
    const signing = names.findIndex((n) => /signing|auth/i.test(n));
    expect(mine).toBeGreaterThanOrEqual(0);
    expect(mine).toBeLessThan(signing);
  });
});

describe('enforce mode: wrong uses are refused before anything is sent', () => {
  const c = clientFor('plugbad');

  const cases: [string, Partial<PutObjectCommandInput>, string][] = [
    ['a 16-byte SSE-C key', ssec(KEY.subarray(0, 16)), 'sse-c/invalid-key'],
    [
      'an SSE-KMS encryption context',
      { ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'eyJhIjoiYiJ9' },
      'sse-kms/encryption-context-dropped',
    ],
    [
      'the bucket key without a key id',
      { ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true },
      'sse-kms/bucket-key-requires-key-id',
    ],
    [
      'a key id with SSE-OBS',
      { ServerSideEncryption: 'AES256', SSEKMSKeyId: KEY_ID },
      'sse-kms/key-id-requires-kms',
    ],
    [
      'SSE-C together with SSE-KMS',
      { ...ssec(), ServerSideEncryption: 'aws:kms' },
      'sse/conflicting-methods',
    ],
  ];
  test.each(cases)('%s', async (_name, params, code) => {
    const sent = tlsStandin.exchanges.length;
    const err = await rejected(
      c.s3.send(new PutObjectCommand({ Bucket: 'plugbad', Key: 'x', Body: 'x', ...params })),
    );
    expect(err).toBeInstanceOf(ObsSseGuardError);
    expect(err.codes).toContain(code);
    expect(err.operation).toBe('PutObject');
    expect(tlsStandin.exchanges.length).toBe(sent);
    expect(c.lines[c.lines.length - 1]).toMatchObject({ verdict: 'blocked', status: null });
    const text = JSON.stringify([err.message, err.diagnostics, c.lines]);
    expect(text).not.toContain(KEY.toString('base64'));
    expect(text).not.toContain(KEY.subarray(0, 16).toString('base64'));
  });

  test('SSE-C over plain HTTP', async () => {
    const plain = client({ endpoint: plainStandin.url });
    const sent = plainStandin.exchanges.length;
    const err = await rejected(
      plain.s3.send(new GetObjectCommand({ Bucket: 'plugbad', Key: 'x', ...ssec() })),
    );
    expect(err.codes).toEqual(['transport/https-required']);
    expect(plainStandin.exchanges.length).toBe(sent);
  });

  test('a part with another key than its upload’s (session/key-mismatch)', async () => {
    const { UploadId } = await c.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'plugbad', Key: 'mp', ...ssec() }),
    );
    const sent = tlsStandin.exchanges.length;
    const part = { Bucket: 'plugbad', Key: 'mp', UploadId, PartNumber: 1, Body: Buffer.alloc(10) };
    const err = await rejected(c.s3.send(new UploadPartCommand({ ...part, ...ssec(KEY_B) })));
    expect(err.codes).toEqual(['session/key-mismatch']);
    expect(tlsStandin.exchanges.length).toBe(sent);
    const { ETag } = await c.s3.send(new UploadPartCommand({ ...part, ...ssec() }));
    // A completion naming another key is refused too; one naming the upload's passes.
    const complete = {
      Bucket: 'plugbad',
      Key: 'mp',
      UploadId,
      MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
    };
    const bad = await rejected(
      c.s3.send(new CompleteMultipartUploadCommand({ ...complete, ...ssec(KEY_B) })),
    );
    expect(bad.codes).toEqual(['session/key-mismatch', 'header/unlisted']);
    await c.s3.send(new CompleteMultipartUploadCommand({ ...complete, ...ssec() }));
  });
});

describe('report mode', () => {
  test('sends what enforce mode would refuse, and logs the verdict without the key', async () => {
    const { s3, lines } = client({ mode: 'report' });
    await s3.send(new CreateBucketCommand({ Bucket: 'plugrep' }));
    const sent = tlsStandin.exchanges.length;
    await s3
      .send(new PutObjectCommand({ Bucket: 'plugrep', Key: 'x', Body: 'x', ...ssec(KEY.subarray(0, 16)) }))
      .catch(() => undefined);
    expect(tlsStandin.exchanges.length).toBe(sent + 1);
    const line = lines[lines.length - 1]!;
    expect(line).toMatchObject({
      event: 'exchange',
      operation: 'PutObject',
      verdict: 'reported',
      codes: ['sse-c/invalid-key'],
    });
    expect(JSON.stringify(lines)).not.toContain(KEY.subarray(0, 16).toString('base64'));
  });

  test('a mode other than enforce or report is refused when the plugin is made', () => {
    expect(() => obsSsePlugin({ mode: 'block' as never })).toThrow(/mode must be/);
  });
});

describe('packaging', () => {
  test('the plugin is the package’s obs-sse-rules/aws subpath, from the build, for require and import', async () => {
    freshBin();
    // Node resolves the package's own name through its exports map, as a consumer's require or import would.
    const run = (type: string, code: string): string =>
      execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: ROOT, encoding: 'utf8' });
    expect(
      run(
        'commonjs',
        "const a = require('obs-sse-rules/aws'); console.log(typeof a.obsSsePlugin, a.OBS_SSE_MIDDLEWARE);",
      ),
    ).toBe(`function ${OBS_SSE_MIDDLEWARE}\n`);
    const out = run(
      'module',
      "import { obsSsePlugin } from 'obs-sse-rules/aws'; console.log(typeof obsSsePlugin);",
    );
    expect(out.trim()).toBe('function');
  });
});
