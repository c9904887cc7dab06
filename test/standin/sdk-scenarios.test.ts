import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Har } from '../../src/har/types';
import { startStandin, type RecordedExchange, type Standin } from '../../src/standin/server';
import { makePki, type TestPki } from '../../src/standin/tls';
import { harProblems } from '../support/har';
import {
  ALL_CUSTOMER_KEYS_B64,
  DIALECT_OF,
  SCENARIOS,
  TEST_CUSTOMER_KEY_2,
  TEST_CUSTOMER_KEY_MD5,
  TEST_KMS_KEY_ID,
  TEST_PROJECT_ID,
  runScenarios,
  scenarioBody,
  type ScenarioResult,
  type SdkMode,
} from '../support/sdk';

const KEY_MD5_2 = createHash('md5').update(TEST_CUSTOMER_KEY_2).digest('base64');
// Every spelling in which a key could leak: plain base64 and percent-encoded.
const FORBIDDEN = ALL_CUSTOMER_KEYS_B64.flatMap((k) => [k, encodeURIComponent(k)]);
const containsAKey = (text: string): boolean => FORBIDDEN.some((k) => text.includes(k));

/** Outcomes the stand-in gives, as OBS does; everything not listed succeeds (2xx). */
const EXPECTED_ERRORS: Record<string, { status: number; code: string }> = {
  'wrong-sse-c-16-byte-key': { status: 400, code: 'InvalidArgument' },
  'wrong-sse-c-aes128': { status: 400, code: 'InvalidEncryptionAlgorithmError' },
  'wrong-sse-c-base64-key': { status: 400, code: 'InvalidArgument' },
  'wrong-get-sse-c-without-key': { status: 400, code: 'InvalidRequest' },
  'wrong-upload-part-without-sse-c': { status: 400, code: 'InvalidRequest' },
};

const MODES: SdkMode[] = ['obs', 's3', 's3-v4', 's3-virtual'];

function header(pairs: [string, string][], name: string): string | undefined {
  return pairs.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

describe.each(MODES)('the official SDK against the stand-in, %s mode', (mode) => {
  const dialect = DIALECT_OF[mode];
  const p = dialect === 'obs' ? 'x-obs-' : 'x-amz-';
  const other = dialect === 'obs' ? 'x-amz-' : 'x-obs-';
  let dir: string;
  let harFile: string;
  let standin: Standin;
  let results: ScenarioResult[];
  const printed: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `sdk-${mode}-`));
    harFile = join(dir, 'session.har');
    standin = await startStandin({ har: harFile });
    // Whatever the SDK might print goes through these; nothing may carry a key.
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return true;
      }),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return true;
      }),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
        jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
          printed.push(args.map(String).join(' '));
        }),
      ),
    ];
    try {
      results = await runScenarios({ port: standin.port, mode }, { recorded: standin.exchanges });
    } finally {
      for (const s of spies) s.mockRestore();
    }
    await standin.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const result = (id: string): ScenarioResult => {
    const r = results.find((x) => x.id === id);
    if (!r) throw new Error(`scenario ${id} did not run`);
    return r;
  };
  const exchangesOf = (id: string): RecordedExchange[] =>
    standin.exchanges.slice(...(result(id).exchanges ?? [0, 0]));
  const only = (id: string, operation: string): RecordedExchange => {
    const found = exchangesOf(id).filter((e) => e.operation === operation);
    expect(found).toHaveLength(1);
    return found[0] as RecordedExchange;
  };

  it('runs every scenario meant for the mode', () => {
    const expected = SCENARIOS.filter((s) => !s.modes || s.modes.includes(mode)).map((s) => s.id);
    expect(results.map((r) => r.id)).toEqual(expected);
    for (const r of results) expect(r.exchanges?.[1]).toBeGreaterThan(r.exchanges?.[0] ?? Infinity);
  });

  it('completes the correct scenarios and refuses the broken SSE-C ones as OBS does', () => {
    for (const r of results) {
      const expected = EXPECTED_ERRORS[r.id];
      const outcome = { id: r.id, status: r.status, code: r.code, error: r.error };
      if (expected)
        expect(outcome).toEqual({ id: r.id, status: expected.status, code: expected.code, error: undefined });
      else
        expect(outcome).toEqual({
          id: r.id,
          status: r.status === 204 ? 204 : 200,
          code: undefined,
          error: undefined,
        });
    }
  });

  it(`speaks the ${dialect} dialect with ${mode === 'obs' || mode === 's3-virtual' ? 'virtual-hosted' : 'path-style'} addressing`, () => {
    const traffic = standin.exchanges.filter((e) => e.operation !== 'HeadApiVersion');
    expect(traffic.length).toBeGreaterThan(40);
    for (const e of traffic) {
      expect({ id: e.id, dialect: e.dialect }).toEqual({ id: e.id, dialect });
      expect(e.addressing).toBe(mode === 'obs' || mode === 's3-virtual' ? 'virtual' : 'path');
      const foreign = [...e.requestHeaders, ...e.responseHeaders, ...(e.formFields ?? [])].filter(([n]) =>
        n.toLowerCase().startsWith(other),
      );
      expect(foreign).toEqual([]);
    }
    // OBS mode negotiates the protocol first (HEAD /?apiversion); the S3 modes never do.
    const negotiations = standin.exchanges.filter((e) => e.operation === 'HeadApiVersion').length;
    if (mode === 'obs') expect(negotiations).toBeGreaterThan(0);
    else expect(negotiations).toBe(0);
  });

  it('never lets a customer key reach the HAR file, the exchanges or the console', () => {
    const text = readFileSync(harFile, 'utf8');
    expect(containsAKey(text)).toBe(false);
    expect(containsAKey(JSON.stringify(standin.exchanges))).toBe(false);
    expect(containsAKey(JSON.stringify(results))).toBe(false);
    expect(containsAKey(printed.join('\n'))).toBe(false);
    // The keys did travel: the redaction, not their absence, keeps them out.
    const sent = standin.exchanges.filter((e) => e.sse.customer?.keyBytes === 32);
    expect(sent.length).toBeGreaterThan(10);
    expect(text).toContain(`"name":"${p}server-side-encryption-customer-key","value":"[REDACTED]"`);
  });

  it('writes a valid HAR 1.2 file with one entry per exchange', () => {
    const har = JSON.parse(readFileSync(harFile, 'utf8')) as Har;
    expect(harProblems(har)).toEqual([]);
    expect(har.log.entries).toHaveLength(standin.exchanges.length);
    const byUrl = new Map(har.log.entries.map((e) => [`${e.request.method} ${e.request.url}`, e]));
    const initiate = standin.exchanges.find(
      (e) => e.operation === 'InitiateMultipartUpload' && e.status === 200,
    );
    const initEntry = byUrl.get(`${initiate?.method} ${initiate?.url}`);
    expect(initEntry?.response.content.text).toMatch(/<UploadId>[0-9A-F]{32}<\/UploadId>/);
    expect(initEntry?.request.queryString).toEqual([{ name: 'uploads', value: '' }]);
    for (const e of har.log.entries) {
      if (e.request.method === 'GET' && e.response.status === 200)
        expect(e.response.content.text).toBeUndefined();
      if (e.request.method === 'PUT' && !e.request.url.includes('?'))
        expect(e.request.postData?.text).toBeUndefined();
    }
    const post = har.log.entries.find((e) => e.request.postData?.params?.some((x) => x.name === 'file'));
    expect(post?.request.postData?.params).toContainEqual({ name: 'policy', value: '[REDACTED]' });
  });

  it('echoes SSE-KMS with the full key id: the default key when none was sent, the named key otherwise', () => {
    const kms = dialect === 'obs' ? 'kms' : 'aws:kms';
    const keyIdHeader =
      dialect === 'obs'
        ? 'x-obs-server-side-encryption-kms-key-id'
        : 'x-amz-server-side-encryption-aws-kms-key-id';
    const noKey = only('put-kms', 'PutObject');
    expect(header(noKey.requestHeaders, `${p}server-side-encryption`)).toBe(kms);
    expect(header(noKey.responseHeaders, `${p}server-side-encryption`)).toBe(kms);
    expect(header(noKey.responseHeaders, keyIdHeader)).toBe(standin.kms.defaultKeyId);
    expect(standin.kms.defaultKeyId).toMatch(/^cn-north-4:[0-9a-f]{32}:key\/[0-9a-f-]{36}$/);
    const named = only('put-kms-key', 'PutObject');
    expect(header(named.requestHeaders, keyIdHeader)).toBe(TEST_KMS_KEY_ID);
    expect(header(named.responseHeaders, keyIdHeader)).toBe(
      `cn-north-4:${standin.kms.domainId}:key/${TEST_KMS_KEY_ID}`,
    );
    expect(result('put-kms-key').steps[0]?.result?.SseKmsKey).toBe(
      `cn-north-4:${standin.kms.domainId}:key/${TEST_KMS_KEY_ID}`,
    );
  });

  it('echoes SSE-C as the algorithm and key MD5, never the key, on PUT, GET and HEAD', () => {
    for (const [id, op] of [
      ['put-sse-c', 'PutObject'],
      ['get-sse-c', 'GetObject'],
      ['head-sse-c', 'HeadObject'],
    ] as const) {
      const e = exchangesOf(id).find((x) => x.operation === op) as RecordedExchange;
      expect(e.sse.customer).toEqual({
        algorithm: 'AES256',
        keyPresent: true,
        keyBytes: 32,
        keyMd5Actual: TEST_CUSTOMER_KEY_MD5,
        keyMd5Given: TEST_CUSTOMER_KEY_MD5,
      });
      expect(header(e.responseHeaders, `${p}server-side-encryption-customer-algorithm`)).toBe('AES256');
      expect(header(e.responseHeaders, `${p}server-side-encryption-customer-key-MD5`)).toBe(
        TEST_CUSTOMER_KEY_MD5,
      );
      expect(header(e.responseHeaders, `${p}server-side-encryption-customer-key`)).toBeUndefined();
    }
    expect(result('get-sse-c').steps.at(-1)?.result).toMatchObject({
      SseC: 'AES256',
      SseCKeyMd5: TEST_CUSTOMER_KEY_MD5,
    });
    expect(result('head-sse-c').steps.at(-1)?.result).toMatchObject({
      SseC: 'AES256',
      SseCKeyMd5: TEST_CUSTOMER_KEY_MD5,
    });
  });

  it('copies an SSE-C source into SSE-KMS and into SSE-C targets', () => {
    const toKms = only('copy-sse-c-to-kms', 'CopyObject');
    expect(toKms.sse.copySourceCustomer?.keyMd5Actual).toBe(TEST_CUSTOMER_KEY_MD5);
    expect(header(toKms.responseHeaders, `${p}server-side-encryption`)).toBe(
      dialect === 'obs' ? 'kms' : 'aws:kms',
    );
    expect(header(toKms.responseHeaders, `${p}server-side-encryption-customer-key-MD5`)).toBeUndefined();
    const toSseC = only('copy-sse-c-to-sse-c', 'CopyObject');
    expect(toSseC.sse.copySourceCustomer?.keyMd5Actual).toBe(TEST_CUSTOMER_KEY_MD5);
    expect(header(toSseC.responseHeaders, `${p}server-side-encryption-customer-key-MD5`)).toBe(KEY_MD5_2);
    expect(standin.store.getObject(`sse-${mode}`, 'copy-ssec.bin')?.sse?.customerKeyMd5).toBe(KEY_MD5_2);
  });

  it('runs a hand-made SSE-C multipart upload with the triple on every part and the right content', () => {
    const parts = exchangesOf('multipart-sse-c').filter(
      (e) => e.operation === 'UploadPart' || e.operation === 'UploadPartCopy',
    );
    expect(parts.map((e) => e.operation)).toEqual(['UploadPart', 'UploadPartCopy', 'UploadPart']);
    for (const e of parts)
      expect(e.sse.customer).toMatchObject({
        algorithm: 'AES256',
        keyBytes: 32,
        keyMd5Given: TEST_CUSTOMER_KEY_MD5,
      });
    const expected = createHash('sha256')
      .update(scenarioBody('part1', 100 * 1024))
      .update(scenarioBody('part-src', 2048))
      .update(scenarioBody('part3', 1000))
      .digest('hex');
    const complete = only('multipart-sse-c', 'CompleteMultipartUpload');
    expect(complete.stored?.sha256).toBe(expected);
    expect(header(complete.responseHeaders, `${p}server-side-encryption-customer-key-MD5`)).toBe(
      TEST_CUSTOMER_KEY_MD5,
    );
  });

  it('SDK defect: uploadFile drops the SSE-C algorithm from the initiate and from every part', () => {
    const sent = exchangesOf('upload-file-sse-c').filter(
      (e) => e.operation === 'InitiateMultipartUpload' || e.operation === 'UploadPart',
    );
    expect(sent).toHaveLength(4);
    for (const e of sent) {
      expect(e.sse.customer).toEqual({
        keyPresent: true,
        keyBytes: 32,
        keyMd5Actual: TEST_CUSTOMER_KEY_MD5,
        keyMd5Given: TEST_CUSTOMER_KEY_MD5,
      });
      expect(header(e.requestHeaders, `${p}server-side-encryption-customer-algorithm`)).toBeUndefined();
    }
    const complete = only('upload-file-sse-c', 'CompleteMultipartUpload');
    expect(complete.stored?.sha256).toBe(
      createHash('sha256')
        .update(scenarioBody('upload-file', 250 * 1024))
        .digest('hex'),
    );
  });

  it('workaround: passing `sseC` as well makes uploadFile send the algorithm everywhere', () => {
    const sent = exchangesOf('upload-file-sse-c-workaround').filter(
      (e) => e.operation === 'InitiateMultipartUpload' || e.operation === 'UploadPart',
    );
    expect(sent).toHaveLength(3);
    for (const e of sent) expect(e.sse.customer).toMatchObject({ algorithm: 'AES256', keyBytes: 32 });
  });

  it('SDK defect: uploadFile drops SseKmsProjectId; putObject sends it on an object write', () => {
    const initiate = only('upload-file-kms', 'InitiateMultipartUpload');
    expect(initiate.sse.sse).toBe(dialect === 'obs' ? 'kms' : 'aws:kms');
    expect(initiate.sse.kmsKeyId).toBe(TEST_KMS_KEY_ID);
    expect(initiate.sse.projectId).toBeUndefined();
    expect(only('put-kms-key-project', 'PutObject').sse.projectId).toBe(TEST_PROJECT_ID);
  });

  it(`SDK ${dialect === 's3' ? 'defect' : 'behaviour'}: SSE-OBS (SseKms AES256) goes out as ${dialect === 's3' ? 'aws:AES256' : 'AES256'}`, () => {
    expect(only('put-sse-obs', 'PutObject').sse.sse).toBe(dialect === 's3' ? 'aws:AES256' : 'AES256');
    expect(only('wrong-sse-obs-spelling', 'PutObject').sse.sse).toBe(dialect === 's3' ? 'aws:obs' : 'obs');
  });

  it(`SDK ${dialect === 's3' ? 'defect' : 'behaviour'}: AppendObject names the KMS key id header ${dialect === 's3' ? 'x-amz-server-side-encryption-kms-key-id' : 'correctly'}`, () => {
    const appends = exchangesOf('append-kms').filter((e) => e.operation === 'AppendObject');
    expect(appends.map((e) => e.status)).toEqual([200, 200]);
    // Only the first append carries SSE-KMS (追加写对象, constraint 3); the second reads the object's back.
    expect(appends[1]?.sse).toEqual({});
    for (const e of appends.slice(0, 1)) {
      if (dialect === 's3') {
        expect(header(e.requestHeaders, 'x-amz-server-side-encryption-kms-key-id')).toBe(TEST_KMS_KEY_ID);
        expect(header(e.requestHeaders, 'x-amz-server-side-encryption-aws-kms-key-id')).toBeUndefined();
        // A server that reads only the documented name falls back to the default key.
        expect(header(e.responseHeaders, 'x-amz-server-side-encryption-aws-kms-key-id')).toBe(
          standin.kms.defaultKeyId,
        );
      } else {
        expect(e.sse.kmsKeyId).toBe(TEST_KMS_KEY_ID);
        expect(header(e.responseHeaders, 'x-obs-server-side-encryption-kms-key-id')).toMatch(
          new RegExp(`key/${TEST_KMS_KEY_ID}$`),
        );
      }
    }
    expect(header(appends[1]?.responseHeaders ?? [], `${p}next-append-position`)).toBe('128');
    // The S3 model reads the key id back from the same misnamed header, so the caller never sees it.
    const reported = result('append-kms').steps[0]?.result?.SseKmsKey;
    if (dialect === 's3') expect(reported).toBeUndefined();
    else expect(reported).toMatch(new RegExp(`key/${TEST_KMS_KEY_ID}$`));
  });

  it('SDK gap: CreateBucket silently drops SseKms, SseKmsKey and SseKmsProjectId', () => {
    const e = only('create-bucket-sse-params-dropped', 'CreateBucket');
    expect(e.status).toBe(200);
    expect(e.sse).toEqual({});
  });

  it('lets wrong parameters through to the server unchanged, except where it encodes them again', () => {
    expect(only('wrong-sse-c-base64-key', 'PutObject').sse.customer?.keyBytes).toBe(44);
    expect(only('wrong-sse-c-16-byte-key', 'PutObject').sse.customer?.keyBytes).toBe(16);
    expect(only('wrong-sse-c-aes128', 'PutObject').sse.customer?.algorithm).toBe('AES128');
    expect(only('wrong-kms-key-with-aes256', 'PutObject').sse).toMatchObject({ kmsKeyId: TEST_KMS_KEY_ID });
    expect(only('wrong-sse-c-with-kms', 'PutObject').sse).toMatchObject({
      sse: dialect === 'obs' ? 'kms' : 'aws:kms',
      customer: { keyBytes: 32 },
    });
    expect(only('wrong-kms-uppercase', 'PutObject').sse.sse).toBe(dialect === 'obs' ? 'KMS' : 'aws:KMS');
    expect(only('wrong-kms-key-without-sse', 'PutObject').sse).toEqual({ kmsKeyId: TEST_KMS_KEY_ID });
    expect(only('wrong-sse-c-key-without-algorithm', 'PutObject').sse.customer).toMatchObject({
      keyPresent: true,
    });
    expect(only('wrong-sse-c-key-without-algorithm', 'PutObject').sse.customer?.algorithm).toBeUndefined();
  });

  it('accepts PostObject forms with SSE fields and echoes them', () => {
    const ssec = only('post-object-sse-c', 'PostObject');
    expect(ssec.formFields).toContainEqual([`${p}server-side-encryption-customer-key`, '[REDACTED]']);
    expect(ssec.sse.customer?.keyMd5Actual).toBe(TEST_CUSTOMER_KEY_MD5);
    expect(header(ssec.responseHeaders, `${p}server-side-encryption-customer-key-MD5`)).toBe(
      TEST_CUSTOMER_KEY_MD5,
    );
    expect(ssec.stored?.sha256).toBe(createHash('sha256').update(scenarioBody('post-ssec')).digest('hex'));
    const kms = only('post-object-kms', 'PostObject');
    expect(header(kms.responseHeaders, `${p}server-side-encryption`)).toBe(
      dialect === 'obs' ? 'kms' : 'aws:kms',
    );
  });

  if (mode === 'obs') {
    it('with the SDK model patched, CreateBucket carries and gets back SSE as in the tables', () => {
      const kms = only('create-bucket-kms', 'CreateBucket');
      expect(header(kms.responseHeaders, 'x-obs-server-side-encryption')).toBe('kms');
      expect(header(kms.responseHeaders, 'x-obs-server-side-data-encryption')).toBe('AES256');
      expect(header(kms.responseHeaders, 'x-obs-sse-kms-key-project-id')).toBeUndefined();
      const custom = only('create-bucket-kms-key-project', 'CreateBucket');
      expect(custom.sse).toEqual({ sse: 'kms', kmsKeyId: TEST_KMS_KEY_ID, projectId: TEST_PROJECT_ID });
      expect(header(custom.responseHeaders, 'x-obs-sse-kms-key-project-id')).toBe(TEST_PROJECT_ID);
      expect(
        header(
          only('create-bucket-kms-sm4', 'CreateBucket').responseHeaders,
          'x-obs-server-side-data-encryption',
        ),
      ).toBe('SM4');
      expect(
        header(only('create-bucket-obs', 'CreateBucket').responseHeaders, 'x-obs-server-side-encryption'),
      ).toBe('obs');
      expect(only('put-kms-sm4', 'PutObject').sse.dataEncryption).toBe('SM4');
      // The patch is undone: the dropped-parameters scenario ran before and the SDK is unchanged after.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const model = require('esdk-obs-nodejs/lib/obsModel') as Record<
        string,
        { parameters: Record<string, unknown> }
      >;
      expect(Object.keys(model.CreateBucket?.parameters ?? {})).not.toContain('SseKms');
    });
  }
});

describe('over HTTPS', () => {
  let pki: TestPki;
  let dir: string;
  let cert: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    pki = makePki();
    dir = pki.dir;
    cert = pki.tls;
  });
  afterAll(() => pki.remove());

  it.each(['obs', 's3'] as SdkMode[])('serves the SSE-C scenarios in %s mode', async (mode) => {
    const harFile = join(dir, `${mode}.har`);
    const standin = await startStandin({ tls: cert, har: harFile });
    let results: ScenarioResult[];
    try {
      results = await runScenarios(
        { port: standin.port, mode, https: true },
        { only: ['create-bucket', 'put-sse-c', 'get-sse-c', 'multipart-sse-c', 'post-object-sse-c'] },
      );
    } finally {
      await standin.close();
    }
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['create-bucket', 200],
      ['put-sse-c', 200],
      ['get-sse-c', 200],
      ['multipart-sse-c', 200],
      ['post-object-sse-c', 204],
    ]);
    expect(standin.url).toMatch(/^https:\/\//);
    const text = readFileSync(harFile, 'utf8');
    const har = JSON.parse(text) as Har;
    expect(harProblems(har)).toEqual([]);
    expect(har.log.entries.every((e) => e.request.url.startsWith('https://'))).toBe(true);
    expect(containsAKey(text)).toBe(false);
  });
});
