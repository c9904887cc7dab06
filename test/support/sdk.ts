/**
 * Drives the real official OBS SDK (`esdk-obs-nodejs`) against an endpoint on this machine and runs
 * SSE scenarios, correct and deliberately wrong, reporting what the SDK said for each so tests can
 * line scenarios up with the exchanges a stand-in or proxy recorded.
 *
 * Dialects: the SDK sends `x-obs-` headers only with `signature: 'obs'` on a virtual-hosted
 * endpoint. An IP-address endpoint forces path-style and path-style forces signature v2, i.e. the
 * S3 dialect (node_modules/esdk-obs-nodejs/lib/utils.js, `initFactory`: the `/^[0-9]+\.…$/` test and
 * `if (this.pathStyle || this.isCname) … signature = 'v2'`). So `obs` mode talks to
 * `http://localhost:PORT` and makes `{bucket}.localhost` reach 127.0.0.1 through an agent `lookup`,
 * no /etc/hosts needed; `s3` modes use `http://127.0.0.1:PORT`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactText } from '../../src/redact';

/** How the SDK is configured, and so which dialect and addressing it uses. */
export type SdkMode =
  /** `x-obs-` headers, OBS signature, virtual-hosted `{bucket}.localhost`. */
  | 'obs'
  /** `x-amz-` headers, AWS v2 signature, path-style (IP endpoint). */
  | 's3'
  /** `x-amz-` headers, AWS v4 signature, path-style (IP endpoint). */
  | 's3-v4'
  /** `x-amz-` headers, AWS v2 signature, virtual-hosted `{bucket}.localhost`. */
  | 's3-virtual';

/** The dialect of each mode. */
export const DIALECT_OF: Record<SdkMode, 'obs' | 's3'> = {
  obs: 'obs',
  s3: 's3',
  's3-v4': 's3',
  's3-virtual': 's3',
};

/** Where the SDK should send its requests. */
export interface SdkTarget {
  port: number;
  mode: SdkMode;
  /** Use https (the stand-in must have been started with `tls`); certificates are not verified. */
  https?: boolean;
  /** Address every name resolves to; default 127.0.0.1. Nothing else is ever contacted. */
  address?: string;
  /**
   * Let the SDK ask the server for its API version first (its default). On by default except in
   * `s3-virtual`, where it would switch the SDK to the OBS dialect; path-style modes never negotiate.
   */
  negotiation?: boolean;
  /** Receives the SDK's own log lines (all levels) in memory; by default the SDK logs nothing. */
  captureLog?: string[];
}

/** What one SDK call returned. */
export interface SdkResult {
  CommonMsg: { Status: number; Code: string; Message: string; RequestId?: string };
  InterfaceResult: Record<string, unknown> | null;
}

type SdkCall = (param: Record<string, unknown>) => Promise<SdkResult>;

/** The part of `ObsClient` the scenarios use. */
export interface ObsClientLike {
  createBucket: SdkCall;
  putObject: SdkCall;
  getObject: SdkCall;
  getObjectMetadata: SdkCall;
  copyObject: SdkCall;
  deleteObject: SdkCall;
  initiateMultipartUpload: SdkCall;
  uploadPart: SdkCall;
  copyPart: SdkCall;
  completeMultipartUpload: SdkCall;
  abortMultipartUpload: SdkCall;
  listParts: SdkCall;
  appendObject: SdkCall;
  uploadFile: SdkCall;
  createPostSignatureSync(param: Record<string, unknown>): Record<string, string>;
  initLog(param: Record<string, unknown>): void;
  close(): void;
}

// The SDK ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ObsClient = require('esdk-obs-nodejs') as new (options: Record<string, unknown>) => ObsClientLike;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const obsModel = require('esdk-obs-nodejs/lib/obsModel') as Record<
  string,
  { parameters: Record<string, unknown> }
>;

/** Access key the scenarios sign with; the stand-in does not check signatures. */
export const ACCESS_KEY = 'STANDINACCESSKEY0001';
const SECRET_KEY = 'standin-secret-key-not-a-real-credential';

/** The SSE-C key of the correct scenarios: 32 bytes, derived so every run uses the same. */
export const TEST_CUSTOMER_KEY = createHash('sha256').update('obs-sse-rules test customer key 1').digest();
/** A second 32-byte key, for copies into a differently keyed SSE-C target. */
export const TEST_CUSTOMER_KEY_2 = createHash('sha256').update('obs-sse-rules test customer key 2').digest();
/** A 16-byte key: the wrong length. */
export const SHORT_CUSTOMER_KEY = TEST_CUSTOMER_KEY.subarray(0, 16);
/** Every customer key the scenarios use, base64 as it travels: none of these may appear in any output. */
export const ALL_CUSTOMER_KEYS_B64: readonly string[] = [
  TEST_CUSTOMER_KEY,
  TEST_CUSTOMER_KEY_2,
  SHORT_CUSTOMER_KEY,
  Buffer.from(TEST_CUSTOMER_KEY.toString('base64'), 'utf8'),
].map((k) => k.toString('base64'));
/** Base64 MD5 of {@link TEST_CUSTOMER_KEY}: a fingerprint, fine to show. */
export const TEST_CUSTOMER_KEY_MD5 = createHash('md5').update(TEST_CUSTOMER_KEY).digest('base64');
/** A bare KMS key id, as a client may send it. */
export const TEST_KMS_KEY_ID = '6a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
export const TEST_PROJECT_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

const mapAll: LookupFunction = (_hostname, options, callback) => {
  // Node passes `all: true` when it wants every address; both shapes map to the one local address.
  const address = (options as { address?: string }).address ?? '127.0.0.1';
  const family = address.includes(':') ? 6 : 4;
  if ((options as { all?: boolean }).all) {
    (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
      { address, family },
    ]);
  } else callback(null, address, family);
};

/** A connected SDK client and what to tear down afterwards. */
export interface SdkSession {
  client: ObsClientLike;
  mode: SdkMode;
  dialect: 'obs' | 's3';
  /** Bucket-qualified origin for hand-built requests (PostObject): where `{bucket}` goes, and how. */
  objectEndpoint(bucket: string): { host: string; path: string };
  target: SdkTarget;
  close(): void;
}

/** Creates an SDK client for the target, silenced (or capturing its log in memory), ready to call. */
export async function openSdk(target: SdkTarget): Promise<SdkSession> {
  const scheme = target.https ? 'https' : 'http';
  const address = target.address ?? '127.0.0.1';
  const lookup: LookupFunction = (hostname, options, callback) =>
    mapAll(hostname, { ...options, address } as typeof options, callback);
  const virtual = target.mode === 'obs' || target.mode === 's3-virtual';
  const agentOptions = { keepAlive: true, lookup } as http.AgentOptions;
  const agent = virtual
    ? target.https
      ? new https.Agent(agentOptions)
      : new http.Agent(agentOptions)
    : undefined;
  const options: Record<string, unknown> = {
    access_key_id: ACCESS_KEY,
    secret_access_key: SECRET_KEY,
    server: `${scheme}://${virtual ? 'localhost' : address}:${target.port}`,
    signature: target.mode === 'obs' ? 'obs' : target.mode === 's3-v4' ? 'v4' : 'v2',
    region: 'cn-north-4',
    // With negotiation on, the SDK asks the server (HEAD /?apiversion) and uses the OBS dialect when
    // it answers 3.0, whatever `signature` says; only path-style and CNAME turn it off by themselves.
    is_signature_negotiation: target.negotiation ?? target.mode !== 's3-virtual',
    max_retry_count: 0,
    timeout: 120,
  };
  if (agent) options[target.https ? 'https_agent' : 'http_agent'] = agent;
  const client = new ObsClient(options);
  // initFactory is async (it awaits a credential refresh) and the constructor does not wait for it.
  await new Promise((resolve) => setImmediate(resolve));
  const capture = target.captureLog;
  // A logger of our own keeps log4js from ever being configured, so nothing reaches the console.
  client.initLog({
    logger: {
      isLevelEnabled: () => capture !== undefined,
      debug: (m: string) => capture?.push(`debug|${m}`),
      info: (m: string) => capture?.push(`info|${m}`),
      warn: (m: string) => capture?.push(`warn|${m}`),
      error: (m: string) => capture?.push(`error|${m}`),
    },
  });
  return {
    client,
    mode: target.mode,
    dialect: DIALECT_OF[target.mode],
    target,
    objectEndpoint: (bucket) =>
      virtual
        ? { host: `${bucket}.localhost:${target.port}`, path: '/' }
        : { host: `${address}:${target.port}`, path: `/${bucket}` },
    close() {
      client.close();
      agent?.destroy();
    },
  };
}

/** One SDK call (or hand-built request) inside a scenario. */
export interface StepResult {
  step: string;
  status?: number;
  code?: string;
  /** An error the SDK raised instead of a response (redacted). */
  error?: string;
  /** The SSE/upload fields of the SDK's parsed result: no key material. */
  result?: Record<string, unknown>;
}

/** What a scenario did. */
export interface ScenarioResult {
  id: string;
  title: string;
  kind: ScenarioKind;
  mode: SdkMode;
  /** The last step's status: the outcome of the operation under test. */
  status?: number;
  code?: string;
  error?: string;
  steps: StepResult[];
  /** `[from, to)` indices into the recorded exchanges, when a recording was given. */
  exchanges?: [number, number];
  note?: string;
}

/** `correct` uses the SDK as documented; `wrong` passes deliberately wrong parameters; `warning` is legal but off-table. */
export type ScenarioKind = 'correct' | 'wrong' | 'warning';

/** A named sequence of SDK calls. */
export interface Scenario {
  id: string;
  title: string;
  kind: ScenarioKind;
  /** Modes the scenario makes sense in; all when absent. */
  modes?: SdkMode[];
  note?: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** Handed to a scenario: the client and a recorder for its steps. */
export interface ScenarioContext {
  session: SdkSession;
  bucket: string;
  /** Runs one SDK call and records it as a step. */
  call(step: string, fn: () => Promise<SdkResult>): Promise<SdkResult | undefined>;
  /** Records a step that was not an SDK call (a hand-built request). */
  record(step: StepResult): void;
  /** A scratch directory, removed after the scenario. */
  tmp(): string;
}

const RESULT_FIELDS = [
  'SseKms',
  'SseKmsKey',
  'SseKmsProjectId',
  'SseC',
  'SseCKeyMd5',
  'ETag',
  'UploadId',
  'NextPosition',
  'ContentLength',
];

function pickResult(r: Record<string, unknown> | null): Record<string, unknown> | undefined {
  if (!r) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of RESULT_FIELDS) if (r[f] !== undefined && r[f] !== '') out[f] = r[f];
  return out;
}

/**
 * Adds parameters to the SDK's OBS-dialect model of one operation for the length of `fn`, so the SDK
 * itself builds and signs headers it has no parameter for (SSE on CreateBucket, SM4 data encryption).
 */
export async function withModelParams<T>(
  operation: string,
  params: Record<string, { sentAs: string; withPrefix?: boolean; type?: string }>,
  fn: () => Promise<T>,
): Promise<T> {
  const model = obsModel[operation];
  if (!model) throw new Error(`no SDK model for ${operation}`);
  const original = model.parameters;
  // A patched copy replaces the table for the call and the original comes back untouched after.
  model.parameters = { ...original };
  for (const [k, v] of Object.entries(params))
    if (!(k in original)) model.parameters[k] = { location: 'header', ...v };
  try {
    return await fn();
  } finally {
    model.parameters = original;
  }
}

/** The multipart/form-data body of a browser POST upload. */
function multipartBody(
  fields: [string, string][],
  file: { name: string; type: string; data: Buffer },
): { body: Buffer; type: string } {
  const boundary = `----obs-sse-rules-${createHash('md5').update(file.data).digest('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of fields) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A browser-form upload (PostObject) built from the SDK's `createPostSignatureSync` and sent by hand,
 * since the SDK has no PostObject call. SSE fields go in `sseFields`, named in the session's dialect.
 */
export async function postObject(
  session: SdkSession,
  bucket: string,
  key: string,
  sseFields: Record<string, string>,
  data: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; policy: string }> {
  const sig = session.client.createPostSignatureSync({
    Bucket: bucket,
    Key: key,
    Expires: 3600,
    FormParams: { ...sseFields },
  });
  const fields: [string, string][] = [['key', key]];
  if (session.mode === 's3-v4') {
    fields.push(
      ['policy', sig.Policy ?? ''],
      ['X-Amz-Algorithm', sig.Algorithm ?? ''],
      ['X-Amz-Credential', sig.Credential ?? ''],
      ['X-Amz-Date', sig.Date ?? ''],
      ['X-Amz-Signature', sig.Signature ?? ''],
    );
  } else {
    fields.push(
      [session.dialect === 'obs' ? 'AccessKeyId' : 'AWSAccessKeyId', ACCESS_KEY],
      ['policy', sig.Policy ?? ''],
      ['signature', sig.Signature ?? ''],
    );
  }
  fields.push(...Object.entries(sseFields));
  const { body, type } = multipartBody(fields, {
    name: 'upload.bin',
    type: 'application/octet-stream',
    data,
  });
  const { host, path } = session.objectEndpoint(bucket);
  const lib = session.target.https ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: session.target.address ?? '127.0.0.1',
        port: session.target.port,
        method: 'POST',
        path,
        headers: { Host: host, 'Content-Type': type, 'Content-Length': String(body.length) },
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            policy: sig.Policy ?? '',
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** SSE field or header names in a dialect. */
function names(dialect: 'obs' | 's3'): {
  sse: string;
  cAlg: string;
  cKey: string;
  cMd5: string;
  kmsKeyId: string;
} {
  const p = dialect === 'obs' ? 'x-obs-' : 'x-amz-';
  return {
    sse: `${p}server-side-encryption`,
    cAlg: `${p}server-side-encryption-customer-algorithm`,
    cKey: `${p}server-side-encryption-customer-key`,
    cMd5: `${p}server-side-encryption-customer-key-MD5`,
    kmsKeyId:
      dialect === 'obs'
        ? 'x-obs-server-side-encryption-kms-key-id'
        : 'x-amz-server-side-encryption-aws-kms-key-id',
  };
}

const SSE_C = { SseC: 'AES256', SseCKey: TEST_CUSTOMER_KEY };
const SSE_C_2 = { SseC: 'AES256', SseCKey: TEST_CUSTOMER_KEY_2 };
const SRC_SSE_C = { CopySourceSseC: 'AES256', CopySourceSseCKey: TEST_CUSTOMER_KEY };
/** The deterministic content a scenario uploads under `label`, so tests can recompute digests. */
export const scenarioBody = (label: string, size = 64): Buffer =>
  Buffer.alloc(size, createHash('sha256').update(label).digest('hex'));
const body = scenarioBody;

const KMS_PARAMS = {
  SseKms: { sentAs: 'server-side-encryption', withPrefix: true, type: 'adapter' },
  SseKmsKey: { sentAs: 'server-side-encryption-kms-key-id', withPrefix: true },
  SseKmsProjectId: { sentAs: 'sse-kms-key-project-id', withPrefix: true },
  SseDataEncryption: { sentAs: 'server-side-data-encryption', withPrefix: true },
};

/** Every scenario, in the order {@link runScenarios} runs them. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'create-bucket-sse-params-dropped',
    title: 'CreateBucket with SseKms/SseKmsKey/SseKmsProjectId: the SDK sends none of them',
    kind: 'correct',
    note: 'CreateBucket has no SSE parameters in obsModel.js or v2Model.js; unknown parameters are ignored silently.',
    async run({ call, bucket, session }) {
      await call('createBucket', () =>
        session.client.createBucket({
          Bucket: `${bucket}-dropped`,
          SseKms: 'kms',
          SseKmsKey: TEST_KMS_KEY_ID,
          SseKmsProjectId: TEST_PROJECT_ID,
        }),
      );
    },
  },
  {
    id: 'create-bucket-kms',
    title: 'CreateBucket with SSE-KMS, no key id (model patched: the SDK has no such parameter)',
    kind: 'correct',
    modes: ['obs'],
    async run({ call, bucket, session }) {
      await withModelParams('CreateBucket', KMS_PARAMS, () =>
        call('createBucket', () => session.client.createBucket({ Bucket: `${bucket}-kms`, SseKms: 'kms' })),
      );
    },
  },
  {
    id: 'create-bucket-kms-key-project',
    title: 'CreateBucket with SSE-KMS, key id and project id (model patched)',
    kind: 'correct',
    modes: ['obs'],
    async run({ call, bucket, session }) {
      await withModelParams('CreateBucket', KMS_PARAMS, () =>
        call('createBucket', () =>
          session.client.createBucket({
            Bucket: `${bucket}-kms-key`,
            SseKms: 'kms',
            SseKmsKey: TEST_KMS_KEY_ID,
            SseKmsProjectId: TEST_PROJECT_ID,
          }),
        ),
      );
    },
  },
  {
    id: 'create-bucket-kms-sm4',
    title: 'CreateBucket with SSE-KMS and SM4 data encryption (model patched)',
    kind: 'correct',
    modes: ['obs'],
    async run({ call, bucket, session }) {
      await withModelParams('CreateBucket', KMS_PARAMS, () =>
        call('createBucket', () =>
          session.client.createBucket({ Bucket: `${bucket}-sm4`, SseKms: 'kms', SseDataEncryption: 'SM4' }),
        ),
      );
    },
  },
  {
    id: 'create-bucket-obs',
    title: 'CreateBucket with SSE-OBS (`obs`) (model patched)',
    kind: 'correct',
    modes: ['obs'],
    async run({ call, bucket, session }) {
      await withModelParams('CreateBucket', KMS_PARAMS, () =>
        call('createBucket', () => session.client.createBucket({ Bucket: `${bucket}-obs`, SseKms: 'obs' })),
      );
    },
  },
  {
    id: 'create-bucket',
    title: 'CreateBucket without encryption (the bucket the object scenarios use)',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('createBucket', () => session.client.createBucket({ Bucket: bucket }));
    },
  },
  {
    id: 'put-kms',
    title: 'PutObject with SSE-KMS, no key id',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'put-kms.bin',
          Body: body('put-kms'),
          SseKms: 'kms',
        }),
      );
    },
  },
  {
    id: 'put-kms-key',
    title: 'PutObject with SSE-KMS and a key id',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'put-kms-key.bin',
          Body: body('put-kms-key'),
          SseKms: 'kms',
          SseKmsKey: TEST_KMS_KEY_ID,
        }),
      );
    },
  },
  {
    id: 'put-kms-sm4',
    title: 'PutObject with SSE-KMS and SM4 data encryption (model patched: the SDK has no parameter for it)',
    kind: 'correct',
    modes: ['obs'],
    async run({ call, bucket, session }) {
      await withModelParams('PutObject', { SseDataEncryption: KMS_PARAMS.SseDataEncryption }, () =>
        call('putObject', () =>
          session.client.putObject({
            Bucket: bucket,
            Key: 'put-kms-sm4.bin',
            Body: body('sm4'),
            SseKms: 'kms',
            SseDataEncryption: 'SM4',
          }),
        ),
      );
    },
  },
  {
    id: 'put-kms-key-project',
    title: 'PutObject with SSE-KMS, key id and project id (the tables list project id for CreateBucket only)',
    kind: 'warning',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'put-kms-project.bin',
          Body: body('project'),
          SseKms: 'kms',
          SseKmsKey: TEST_KMS_KEY_ID,
          SseKmsProjectId: TEST_PROJECT_ID,
        }),
      );
    },
  },
  {
    id: 'put-sse-obs',
    title: 'PutObject with SSE-OBS (SseKms: AES256)',
    kind: 'correct',
    note: 'In S3 modes the SDK turns AES256 into aws:AES256 (SseKmsAdapter).',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'put-sse-obs.bin',
          Body: body('sse-obs'),
          SseKms: 'AES256',
        }),
      );
    },
  },
  {
    id: 'put-sse-c',
    title: 'PutObject with SSE-C (32-byte key)',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({ Bucket: bucket, Key: 'put-sse-c.bin', Body: body('sse-c'), ...SSE_C }),
      );
    },
  },
  {
    id: 'get-sse-c',
    title: 'GetObject of an SSE-C object with its key',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('putObject (setup)', () =>
        session.client.putObject({ Bucket: bucket, Key: 'get-sse-c.bin', Body: body('get'), ...SSE_C }),
      );
      await call('getObject', () =>
        session.client.getObject({ Bucket: bucket, Key: 'get-sse-c.bin', ...SSE_C }),
      );
    },
  },
  {
    id: 'head-sse-c',
    title: 'HeadObject (getObjectMetadata) of an SSE-C object with its key',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('putObject (setup)', () =>
        session.client.putObject({ Bucket: bucket, Key: 'head-sse-c.bin', Body: body('head'), ...SSE_C }),
      );
      await call('getObjectMetadata', () =>
        session.client.getObjectMetadata({ Bucket: bucket, Key: 'head-sse-c.bin', ...SSE_C }),
      );
    },
  },
  {
    id: 'copy-sse-c-to-kms',
    title: 'CopyObject from an SSE-C source into an SSE-KMS target',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('putObject (setup)', () =>
        session.client.putObject({ Bucket: bucket, Key: 'copy-src-1.bin', Body: body('src1'), ...SSE_C }),
      );
      await call('copyObject', () =>
        session.client.copyObject({
          Bucket: bucket,
          Key: 'copy-kms.bin',
          CopySource: `${bucket}/copy-src-1.bin`,
          ...SRC_SSE_C,
          SseKms: 'kms',
        }),
      );
    },
  },
  {
    id: 'copy-sse-c-to-sse-c',
    title: 'CopyObject from an SSE-C source into an SSE-C target with another key',
    kind: 'correct',
    async run({ call, bucket, session }) {
      await call('putObject (setup)', () =>
        session.client.putObject({ Bucket: bucket, Key: 'copy-src-2.bin', Body: body('src2'), ...SSE_C }),
      );
      await call('copyObject', () =>
        session.client.copyObject({
          Bucket: bucket,
          Key: 'copy-ssec.bin',
          CopySource: `${bucket}/copy-src-2.bin`,
          ...SRC_SSE_C,
          ...SSE_C_2,
        }),
      );
    },
  },
  {
    id: 'multipart-sse-c',
    title:
      'Multipart upload with SSE-C by hand: initiate, two parts, a part copied from an SSE-C object, complete',
    kind: 'correct',
    async run({ call, bucket, session }) {
      const c = session.client;
      const key = 'multipart-sse-c.bin';
      await call('putObject (setup)', () =>
        c.putObject({ Bucket: bucket, Key: 'part-src.bin', Body: body('part-src', 2048), ...SSE_C }),
      );
      const init = await call('initiateMultipartUpload', () =>
        c.initiateMultipartUpload({ Bucket: bucket, Key: key, ...SSE_C }),
      );
      const uploadId = init?.InterfaceResult?.UploadId;
      if (typeof uploadId !== 'string') return;
      const parts: { PartNumber: number; ETag: unknown }[] = [];
      const p1 = await call('uploadPart 1', () =>
        c.uploadPart({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: 1,
          Body: body('part1', 100 * 1024),
          ...SSE_C,
        }),
      );
      parts.push({ PartNumber: 1, ETag: p1?.InterfaceResult?.ETag });
      const p2 = await call('copyPart 2', () =>
        c.copyPart({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: 2,
          CopySource: `${bucket}/part-src.bin`,
          ...SRC_SSE_C,
          ...SSE_C,
        }),
      );
      parts.push({ PartNumber: 2, ETag: p2?.InterfaceResult?.ETag });
      const p3 = await call('uploadPart 3', () =>
        c.uploadPart({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: 3,
          Body: body('part3', 1000),
          ...SSE_C,
        }),
      );
      parts.push({ PartNumber: 3, ETag: p3?.InterfaceResult?.ETag });
      await call('completeMultipartUpload', () =>
        c.completeMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId, Parts: parts }),
      );
    },
  },
  {
    id: 'upload-file-sse-c',
    title: 'uploadFile (resumable multipart helper) with SseC + SseCKey, 3 parts',
    kind: 'correct',
    note: 'obs.js reads `param.sseC` (lower-case s) for the algorithm, so SseC is dropped from initiate and every part.',
    async run({ call, bucket, session, tmp }) {
      const file = join(tmp(), 'upload-file.bin');
      writeFileSync(file, body('upload-file', 250 * 1024));
      await call('uploadFile', () =>
        session.client.uploadFile({
          Bucket: bucket,
          Key: 'upload-file-sse-c.bin',
          UploadFile: file,
          PartSize: 100 * 1024,
          TaskNum: 3,
          ...SSE_C,
        }),
      );
    },
  },
  {
    id: 'upload-file-sse-c-workaround',
    title: 'uploadFile with SSE-C, also passing the misspelt `sseC` the helper actually reads',
    kind: 'correct',
    async run({ call, bucket, session, tmp }) {
      const file = join(tmp(), 'upload-file-2.bin');
      writeFileSync(file, body('upload-file-2', 150 * 1024));
      await call('uploadFile', () =>
        session.client.uploadFile({
          Bucket: bucket,
          Key: 'upload-file-sse-c-2.bin',
          UploadFile: file,
          PartSize: 100 * 1024,
          ...SSE_C,
          sseC: 'AES256',
        }),
      );
    },
  },
  {
    id: 'upload-file-kms',
    title: 'uploadFile with SSE-KMS, a key id and a project id',
    kind: 'correct',
    note: 'uploadFile forwards SseKms and SseKmsKey to initiateMultipartUpload but not SseKmsProjectId.',
    async run({ call, bucket, session, tmp }) {
      const file = join(tmp(), 'upload-file-kms.bin');
      writeFileSync(file, body('upload-file-kms', 150 * 1024));
      await call('uploadFile', () =>
        session.client.uploadFile({
          Bucket: bucket,
          Key: 'upload-file-kms.bin',
          UploadFile: file,
          PartSize: 100 * 1024,
          SseKms: 'kms',
          SseKmsKey: TEST_KMS_KEY_ID,
          SseKmsProjectId: TEST_PROJECT_ID,
        }),
      );
    },
  },
  {
    id: 'append-kms',
    // 追加写对象, constraint 3: SSE-KMS headers go on the first append only; later appends do not carry them.
    title: 'AppendObject with SSE-KMS and a key id, then a second append without SSE headers',
    kind: 'correct',
    note: 'In S3 modes AppendObject sends x-amz-server-side-encryption-kms-key-id (v2Model.js), not -aws-kms-key-id.',
    async run({ call, bucket, session }) {
      const first = await call('appendObject 1', () =>
        session.client.appendObject({
          Bucket: bucket,
          Key: 'append-kms.log',
          Body: body('append1'),
          Position: 0,
          SseKms: 'kms',
          SseKmsKey: TEST_KMS_KEY_ID,
        }),
      );
      const next = Number(first?.InterfaceResult?.NextPosition ?? 64);
      await call('appendObject 2', () =>
        session.client.appendObject({
          Bucket: bucket,
          Key: 'append-kms.log',
          Body: body('append2'),
          Position: next,
        }),
      );
    },
  },
  {
    id: 'post-object-sse-c',
    title: 'PostObject (browser form) with SSE-C fields, signed by createPostSignatureSync',
    kind: 'correct',
    async run({ record, bucket, session }) {
      const n = names(session.dialect);
      const res = await postObject(
        session,
        bucket,
        'post-sse-c.bin',
        {
          [n.cAlg]: 'AES256',
          [n.cKey]: TEST_CUSTOMER_KEY.toString('base64'),
          [n.cMd5]: TEST_CUSTOMER_KEY_MD5,
        },
        body('post-ssec'),
      );
      record({ step: 'POST form', status: res.status, ...postCode(res.body) });
    },
  },
  {
    id: 'post-object-kms',
    title: 'PostObject with SSE-KMS and a key id as form fields',
    kind: 'correct',
    async run({ record, bucket, session }) {
      const n = names(session.dialect);
      const res = await postObject(
        session,
        bucket,
        'post-kms.bin',
        { [n.sse]: session.dialect === 'obs' ? 'kms' : 'aws:kms', [n.kmsKeyId]: TEST_KMS_KEY_ID },
        body('post-kms'),
      );
      record({ step: 'POST form', status: res.status, ...postCode(res.body) });
    },
  },
  // --- deliberately wrong parameters --------------------------------------------------------------
  {
    id: 'wrong-sse-c-16-byte-key',
    title: 'PutObject with a 16-byte SSE-C key',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'wrong-short.bin',
          Body: body('short'),
          SseC: 'AES256',
          SseCKey: SHORT_CUSTOMER_KEY,
        }),
      );
    },
  },
  {
    id: 'wrong-sse-c-aes128',
    title: 'PutObject with SSE-C algorithm AES128',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'wrong-aes128.bin',
          Body: body('aes128'),
          SseC: 'AES128',
          SseCKey: TEST_CUSTOMER_KEY,
        }),
      );
    },
  },
  {
    id: 'wrong-sse-c-base64-key',
    title: 'PutObject with the SSE-C key already base64-encoded (the SDK encodes it again)',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'wrong-b64.bin',
          Body: body('b64'),
          SseC: 'AES256',
          SseCKey: TEST_CUSTOMER_KEY.toString('base64'),
        }),
      );
    },
  },
  {
    id: 'wrong-kms-key-with-aes256',
    title: 'PutObject with a KMS key id but SseKms AES256',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'wrong-aes-key.bin',
          Body: body('aeskey'),
          SseKms: 'AES256',
          SseKmsKey: TEST_KMS_KEY_ID,
        }),
      );
    },
  },
  {
    id: 'wrong-sse-c-with-kms',
    title: 'PutObject with SSE-C and SSE-KMS together',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'wrong-both.bin',
          Body: body('both'),
          SseKms: 'kms',
          ...SSE_C,
        }),
      );
    },
  },
  {
    id: 'wrong-sse-obs-spelling',
    title: 'PutObject with SseKms `obs` (the bucket spelling of SSE-OBS)',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({ Bucket: bucket, Key: 'wrong-obs.bin', Body: body('obs'), SseKms: 'obs' }),
      );
    },
  },
  {
    id: 'wrong-kms-uppercase',
    title: 'PutObject with SseKms `KMS`',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({ Bucket: bucket, Key: 'wrong-KMS.bin', Body: body('KMS'), SseKms: 'KMS' }),
      );
    },
  },
  {
    id: 'wrong-kms-key-without-sse',
    title: 'PutObject with a KMS key id and no SseKms',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'wrong-keyonly.bin',
          Body: body('keyonly'),
          SseKmsKey: TEST_KMS_KEY_ID,
        }),
      );
    },
  },
  {
    id: 'wrong-sse-c-key-without-algorithm',
    title: 'PutObject with SseCKey and no SseC',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject', () =>
        session.client.putObject({
          Bucket: bucket,
          Key: 'wrong-noalg.bin',
          Body: body('noalg'),
          SseCKey: TEST_CUSTOMER_KEY,
        }),
      );
    },
  },
  {
    id: 'wrong-get-sse-c-without-key',
    title: 'GetObject of an SSE-C object without the key',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      await call('putObject (setup)', () =>
        session.client.putObject({ Bucket: bucket, Key: 'wrong-get.bin', Body: body('wget'), ...SSE_C }),
      );
      await call('getObject', () => session.client.getObject({ Bucket: bucket, Key: 'wrong-get.bin' }));
    },
  },
  {
    id: 'wrong-upload-part-without-sse-c',
    title: 'UploadPart without SSE-C into an upload initiated with SSE-C',
    kind: 'wrong',
    async run({ call, bucket, session }) {
      const c = session.client;
      const key = 'wrong-part.bin';
      const init = await call('initiateMultipartUpload', () =>
        c.initiateMultipartUpload({ Bucket: bucket, Key: key, ...SSE_C }),
      );
      const uploadId = init?.InterfaceResult?.UploadId;
      if (typeof uploadId !== 'string') return;
      await call('uploadPart', () =>
        c.uploadPart({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: body('wpart') }),
      );
      await call('abortMultipartUpload (cleanup)', () =>
        c.abortMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId }),
      );
    },
  },
];

function postCode(xml: string): { code?: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  return code === undefined ? {} : { code };
}

/** Options of {@link runScenarios}. */
export interface RunOptions {
  /** Bucket the object scenarios use (created by the `create-bucket` scenario); default `sse-{mode}`. */
  bucket?: string;
  /** Only these scenario ids. */
  only?: readonly string[];
  /** The recording (e.g. a stand-in's `exchanges`) to index: each result gets its `[from, to)` range. */
  recorded?: { readonly length: number };
}

/**
 * Runs the scenarios one after another against the target and reports each. Never throws for an SDK
 * failure: that is a result. Scenarios that do not apply to the mode are skipped.
 */
export async function runScenarios(target: SdkTarget, options: RunOptions = {}): Promise<ScenarioResult[]> {
  const session = await openSdk(target);
  const bucket = options.bucket ?? `sse-${target.mode}`;
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of SCENARIOS) {
      if (options.only && !options.only.includes(scenario.id)) continue;
      if (scenario.modes && !scenario.modes.includes(target.mode)) continue;
      const steps: StepResult[] = [];
      const dirs: string[] = [];
      const from = options.recorded?.length;
      const ctx: ScenarioContext = {
        session,
        bucket,
        record: (s) => steps.push(s),
        tmp: () => {
          const d = mkdtempSync(join(tmpdir(), 'obs-sse-sdk-'));
          dirs.push(d);
          return d;
        },
        async call(step, fn) {
          try {
            const r = await fn();
            const s: StepResult = { step, status: r.CommonMsg.Status };
            if (r.CommonMsg.Code) s.code = r.CommonMsg.Code;
            const picked = pickResult(r.InterfaceResult);
            if (picked) s.result = picked;
            steps.push(s);
            return r;
          } catch (err) {
            steps.push({ step, error: redactText(err instanceof Error ? err.message : String(err)) });
            return undefined;
          }
        },
      };
      try {
        await scenario.run(ctx);
      } catch (err) {
        steps.push({ step: 'scenario', error: redactText(err instanceof Error ? err.message : String(err)) });
      } finally {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
      // The outcome is the operation under test, not its setup or cleanup.
      const main = steps.filter((st) => !/\((setup|cleanup)\)/.test(st.step));
      const last = main.at(-1) ?? steps.at(-1);
      const result: ScenarioResult = {
        id: scenario.id,
        title: scenario.title,
        kind: scenario.kind,
        mode: target.mode,
        steps,
      };
      if (last?.status !== undefined) result.status = last.status;
      if (last?.code !== undefined) result.code = last.code;
      if (last?.error !== undefined) result.error = last.error;
      if (scenario.note !== undefined) result.note = scenario.note;
      if (from !== undefined && options.recorded) result.exchanges = [from, options.recorded.length];
      results.push(result);
    }
  } finally {
    session.close();
  }
  return results;
}
