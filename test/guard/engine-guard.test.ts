import { createHash } from 'node:crypto';

import { createEngineGuard, type EngineGuardOptions } from '../../src/guard/engine-guard';
import type { GuardRequest, HeaderPairs, RequestVerdict, UpstreamScheme } from '../../src/proxy/types';
import {
  MemoryUploadSessionStore,
  type Fingerprint,
  type UploadSessionStore,
} from '../../src/traffic/upload-id';

const KEY = createHash('sha256').update('engine-guard test key 1').digest();
const KEY_2 = createHash('sha256').update('engine-guard test key 2').digest();
const b64 = (b: Buffer): string => b.toString('base64');
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const KMS_KEY = '6a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';

function sseC(key: Buffer, p = 'x-obs-'): HeaderPairs {
  return [
    [`${p}server-side-encryption-customer-algorithm`, 'AES256'],
    [`${p}server-side-encryption-customer-key`, b64(key)],
    [`${p}server-side-encryption-customer-key-MD5`, md5(key)],
  ];
}

function req(
  method: string,
  url: string,
  headers: HeaderPairs = [],
  scheme: UpstreamScheme = 'https',
  host = '127.0.0.1:9000',
): GuardRequest {
  return { method, url, headers: [['Host', host], ...headers], upstreamScheme: scheme };
}

const INITIATE_BODY = (id: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>m</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`;

describe('request verdicts', () => {
  const guard = createEngineGuard();

  test.each([
    ['PutObject SSE-KMS', req('PUT', '/b/k', [['x-obs-server-side-encryption', 'kms']]), 'PutObject'],
    ['PutObject SSE-C', req('PUT', '/b/k', sseC(KEY)), 'PutObject'],
    ['GetObject SSE-C, S3 dialect', req('GET', '/b/k', sseC(KEY, 'x-amz-')), 'GetObject'],
    [
      'InitiateMultipartUpload SSE-KMS with key id',
      req('POST', '/b/k?uploads', [
        ['x-obs-server-side-encryption', 'kms'],
        ['x-obs-server-side-encryption-kms-key-id', KMS_KEY],
      ]),
      'InitiateMultipartUpload',
    ],
    ['CreateBucket SSE-OBS', req('PUT', '/b', [['x-obs-server-side-encryption', 'obs']]), 'CreateBucket'],
  ])('%s passes', (_name, request, operation) => {
    expect(guard.checkRequest(request)).toEqual({ block: false, codes: [], diagnostics: [], operation });
  });

  test.each([
    ['a 16-byte key', sseC(KEY.subarray(0, 16)), ['sse-c/invalid-key']],
    [
      'AES128',
      [...sseC(KEY).slice(1), ['x-obs-server-side-encryption-customer-algorithm', 'AES128']],
      ['value/not-allowed'],
    ],
    [
      'an MD5 of another key',
      [...sseC(KEY).slice(0, 2), ['x-obs-server-side-encryption-customer-key-MD5', md5(KEY_2)]],
      ['sse-c/md5-mismatch'],
    ],
    [
      'a KMS key id with AES256',
      [
        ['x-obs-server-side-encryption', 'AES256'],
        ['x-obs-server-side-encryption-kms-key-id', KMS_KEY],
      ],
      ['sse-kms/key-id-requires-kms'],
    ],
    ['SSE-C with kms', [...sseC(KEY), ['x-obs-server-side-encryption', 'kms']], ['sse/conflicting-methods']],
    ['KMS spelt upper-case', [['x-obs-server-side-encryption', 'KMS']], ['value/not-allowed']],
    [
      'both dialects',
      [
        ['x-obs-server-side-encryption', 'kms'],
        ['x-amz-server-side-encryption', 'aws:kms'],
      ],
      ['dialect/mixed'],
    ],
  ] as Array<[string, HeaderPairs, string[]]>)(
    'PutObject with %s is blocked, naming codes and headers, never a value',
    (_n, headers, codes) => {
      const v = guard.checkRequest(req('PUT', '/b/k', headers));
      expect(v.block).toBe(true);
      expect(v.operation).toBe('PutObject');
      expect(v.codes).toEqual(expect.arrayContaining(codes));
      expect(v.message).toMatch(/^PutObject request has SSE header errors: /);
      for (const d of v.diagnostics.filter((x) => x.severity === 'error')) {
        expect(v.message).toContain(`${d.code} on ${d.header}`);
      }
      for (const [, value] of headers) expect(v.message).not.toContain(value);
    },
  );

  test('transport is judged on the hop to OBS (upstreamScheme), not on how the client connected', () => {
    expect(guard.checkRequest(req('PUT', '/b/k', sseC(KEY), 'https')).block).toBe(false);
    const overHttp = guard.checkRequest(req('PUT', '/b/k', sseC(KEY), 'http'));
    expect(overHttp).toMatchObject({ block: true, codes: ['transport/https-required'] });
    // Even a client that says https in an absolute-form target cannot change the hop's scheme.
    expect(guard.checkRequest(req('PUT', 'https://127.0.0.1/b/k', sseC(KEY), 'http')).codes).toEqual([
      'transport/https-required',
    ]);
  });

  test('warnings are reported, never blocking', () => {
    const v = guard.checkRequest(
      req('PUT', '/b/k', [
        ['x-obs-server-side-encryption', 'kms'],
        ['x-obs-server-side-encryption-kms-key-id', KMS_KEY],
        ['x-obs-sse-kms-key-project-id', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'],
      ]),
    );
    expect(v).toMatchObject({ block: false, codes: ['sse-kms/project-id-unlisted'] });
    expect(v.message).toBeUndefined();
  });

  test('a CompleteMultipartUpload for an upload the store does not hold passes with session/unknown-upload', () => {
    expect(guard.checkRequest(req('POST', '/b/k?uploadId=U'))).toMatchObject({
      block: false,
      codes: ['session/unknown-upload'],
      operation: 'CompleteMultipartUpload',
    });
  });

  test('operations the classifier skips pass with at most a warning when their SSE headers are valid', () => {
    expect(guard.checkRequest(req('GET', '/b?encryption'))).toEqual({
      block: false,
      codes: [],
      diagnostics: [],
    });
    expect(guard.checkRequest(req('GET', '/'))).toEqual({ block: false, codes: [], diagnostics: [] });
    const del = guard.checkRequest(req('DELETE', '/b/k', [['x-obs-server-side-encryption', 'kms']]));
    expect(del).toMatchObject({ block: false, codes: ['operation/unlisted-sse'] });
    expect(del.operation).toBeUndefined();
  });

  test.each([
    ['a non-canonical path', 'PUT', '//b/k'],
    ['an unknown method', 'FOO', '/b/k'],
    ['a sub-resource', 'PUT', '/b/k?acl'],
    ['an object delete', 'DELETE', '/b/k'],
  ])('an SSE header no operation accepts blocks on %s (operation/invalid-sse)', (_name, method, url) => {
    const v = guard.checkRequest(req(method, url, [['x-obs-server-side-encryption', 'KMSX']]));
    expect(v).toMatchObject({ block: true, codes: ['operation/invalid-sse', 'operation/unlisted-sse'] });
    expect(v.operation).toBeUndefined();
  });

  test('errors first in the codes, then warnings', () => {
    const v = guard.checkRequest(
      req('PUT', '/b/k', [
        ['x-obs-server-side-encryption', 'kms'],
        ['x-obs-sse-kms-key-project-id', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'],
        ['x-obs-server-side-encryption-kms-key-id', KMS_KEY],
        ['x-obs-server-side-data-encryption', 'AES128'],
      ]),
    );
    expect(v.codes).toEqual(['value/not-allowed', 'sse-kms/project-id-unlisted']);
  });
});

describe('options', () => {
  test('severity overrides turn an error into a warning, or off', () => {
    const headers: HeaderPairs = [['x-obs-server-side-encryption', 'KMS']];
    const warn = createEngineGuard({ severity: { 'value/not-allowed': 'warning' } });
    expect(warn.checkRequest(req('PUT', '/b/k', headers))).toMatchObject({
      block: false,
      codes: ['value/not-allowed'],
    });
    const off = createEngineGuard({ severity: { 'value/not-allowed': 'off' } });
    expect(off.checkRequest(req('PUT', '/b/k', headers))).toMatchObject({ block: false, codes: [] });
  });

  test('dialect pins the header spelling', () => {
    const amz: HeaderPairs = [['x-amz-server-side-encryption', 'aws:kms']];
    expect(createEngineGuard({ dialect: 'obs' }).checkRequest(req('PUT', '/b/k', amz)).codes).toEqual([
      'dialect/mismatch',
    ]);
    expect(createEngineGuard({ dialect: 's3' }).checkRequest(req('PUT', '/b/k', amz)).block).toBe(false);
    expect(createEngineGuard().checkRequest(req('PUT', '/b/k', amz)).block).toBe(false);
  });

  test.each([
    [{ addressing: 'virtual', publicHost: 'localhost' }, 'b.localhost:8080', '/k', 'PutObject'],
    [{ addressing: 'virtual', publicHost: 'localhost' }, '127.0.0.1:8080', '/b/k', 'PutObject'],
    [{ addressing: 'virtual', publicHost: 'localhost' }, 'b.localhost', '/', 'CreateBucket'],
    [{}, 'b.obs.cn-north-4.myhuaweicloud.com', '/k', 'PutObject'],
    [{}, 'obs.cn-north-4.myhuaweicloud.com', '/b/k', 'PutObject'],
    [{ addressing: 'path' }, 'b.obs.cn-north-4.myhuaweicloud.com', '/b/k', 'PutObject'],
  ] as Array<[EngineGuardOptions, string, string, string]>)(
    '%j: Host %s, PUT %s is %s',
    (options, host, url, op) => {
      expect(createEngineGuard(options).checkRequest(req('PUT', url, [], 'https', host)).operation).toBe(op);
    },
  );
});

describe('responses', () => {
  const guard = createEngineGuard();
  const none: RequestVerdict = { block: false, codes: [], diagnostics: [] };

  test('are checked against the request: echoes, and keys that must never come back', () => {
    const get = req('GET', '/b/k', sseC(KEY));
    const v = guard.checkRequest(get);
    const echo = (headers: HeaderPairs) => guard.checkResponse(get, { status: 200, headers }, v).codes;
    expect(
      echo([
        ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
        ['x-obs-server-side-encryption-customer-key-MD5', md5(KEY)],
      ]),
    ).toEqual([]);
    expect(
      echo([
        ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
        ['x-obs-server-side-encryption-customer-key-MD5', md5(KEY_2)],
      ]),
    ).toEqual(['response/md5-mismatch']);
    expect(echo([['x-obs-server-side-encryption-customer-key', b64(KEY)]])).toContain(
      'sse-c/key-in-response',
    );
    // An error response describes no object.
    expect(
      guard.checkResponse(get, { status: 403, headers: [['x-obs-server-side-encryption', 'kms']] }, v).codes,
    ).toEqual([]);
  });

  test('of requests the guard never saw are not judged', () => {
    expect(guard.checkResponse(req('GET', '/b/k'), { status: 200, headers: [] }, none)).toEqual({
      codes: [],
      diagnostics: [],
    });
  });
});

describe('multipart sessions', () => {
  function initiate(
    guard: ReturnType<typeof createEngineGuard>,
    headers: HeaderPairs,
    body?: string,
    status = 200,
  ) {
    const r = req('POST', '/b/m?uploads', headers);
    const v = guard.checkRequest(r);
    const findings = guard.checkResponse(r, { status, headers: [['Content-Type', 'application/xml']] }, v);
    expect(findings.wantBody).toBe(status === 200 ? true : undefined);
    if (findings.wantBody) guard.observeResponseBody(r, { status, headers: [] }, body, v);
  }
  const part = (guard: ReturnType<typeof createEngineGuard>, id: string, headers: HeaderPairs, n = 1) =>
    guard.checkRequest(req('PUT', `/b/m?partNumber=${n}&uploadId=${id}`, headers));

  test('the upload id comes from the initiate response body; parts must repeat its SSE-C key', () => {
    const guard = createEngineGuard();
    initiate(guard, sseC(KEY), INITIATE_BODY('U1'));
    expect(part(guard, 'U1', sseC(KEY)).block).toBe(false);
    const other = part(guard, 'U1', sseC(KEY_2), 2);
    expect(other).toMatchObject({ block: true, codes: ['session/key-mismatch'], operation: 'UploadPart' });
    expect(other.message).toContain('session/key-mismatch on x-obs-server-side-encryption-customer-key-md5');
    expect(part(guard, 'U1', [], 3)).toMatchObject({ block: true, codes: ['session/key-mismatch'] });
    // Uploads the guard never saw opened are not judged.
    expect(part(guard, 'UNKNOWN', sseC(KEY_2)).block).toBe(false);
  });

  test('without a body, the first part URL for the same object names the upload', () => {
    const guard = createEngineGuard();
    initiate(guard, sseC(KEY), undefined);
    expect(part(guard, 'U2', sseC(KEY)).block).toBe(false);
    expect(part(guard, 'U2', sseC(KEY_2), 2).codes).toEqual(['session/key-mismatch']);
  });

  test('an upload opened without SSE-C does not take SSE-C parts', () => {
    const guard = createEngineGuard();
    initiate(guard, [['x-obs-server-side-encryption', 'kms']], INITIATE_BODY('U3'));
    expect(part(guard, 'U3', sseC(KEY)).codes).toEqual(['session/key-mismatch']);
    expect(part(guard, 'U3', []).block).toBe(false);
  });

  test('complete and abort forget the upload; a failed initiate opens none', () => {
    const guard = createEngineGuard();
    initiate(guard, sseC(KEY), INITIATE_BODY('U4'));
    initiate(guard, sseC(KEY), INITIATE_BODY('U5'));
    const complete = req('POST', '/b/m?uploadId=U4');
    guard.checkResponse(complete, { status: 200, headers: [] }, guard.checkRequest(complete));
    expect(guard.store.get('U4')).toBeUndefined();
    const abort = req('DELETE', '/b/m?uploadId=U5');
    guard.checkResponse(abort, { status: 204, headers: [] }, guard.checkRequest(abort));
    expect(guard.store.get('U5')).toBeUndefined();
    initiate(guard, sseC(KEY), INITIATE_BODY('U6'), 403);
    expect(guard.store.get('U6')).toBeUndefined();
  });

  test('the store holds fingerprints only, behind the UploadSessionStore interface', () => {
    const written: Array<[string, Fingerprint]> = [];
    const map = new Map<string, Fingerprint>();
    const store: UploadSessionStore = {
      get: (id) => map.get(id),
      set: (id, fp) => {
        written.push([id, fp]);
        map.set(id, fp);
      },
      delete: (id) => map.delete(id),
    };
    const guard = createEngineGuard({ store });
    expect(guard.store).toBe(store);
    initiate(guard, sseC(KEY), INITIATE_BODY('U7'));
    expect(written).toEqual([['U7', { algorithm: 'AES256', keyMd5: md5(KEY), dialect: 'obs' }]]);
    expect(JSON.stringify(written)).not.toContain(b64(KEY));
    expect(part(guard, 'U7', sseC(KEY_2)).block).toBe(true);
  });

  test('the default store is bounded and forgets idle uploads', () => {
    let now = 0;
    const store = new MemoryUploadSessionStore({ maxEntries: 2, ttlMs: 1000, now: () => now });
    const guard = createEngineGuard({ store });
    for (const id of ['A', 'B', 'C']) initiate(guard, sseC(KEY), INITIATE_BODY(id));
    expect(store.size).toBe(2);
    expect(part(guard, 'A', sseC(KEY_2)).block).toBe(false); // evicted: unknown, not judged
    expect(part(guard, 'C', sseC(KEY_2)).block).toBe(true);
    now += 1001;
    expect(part(guard, 'C', sseC(KEY_2)).block).toBe(false);
  });
});

describe('PostObject: the verdict on the form fields', () => {
  const guard = createEngineGuard();
  const post = req('POST', '/b', [['Content-Type', 'multipart/form-data; boundary=x']]);
  const fields = (pairs: HeaderPairs): { fields: HeaderPairs } => ({ fields: pairs });

  test('the head asks for the form; other requests do not', () => {
    expect(guard.checkRequest(post)).toMatchObject({ block: false, operation: 'PostObject', readForm: true });
    expect(guard.checkRequest(req('PUT', '/b/k')).readForm).toBeUndefined();
  });

  test('fields are judged like headers', () => {
    const head = guard.checkRequest(post);
    expect(guard.checkForm(post, fields([['x-obs-server-side-encryption', 'kms']]), head)).toEqual({
      block: false,
      codes: [],
      diagnostics: [],
      operation: 'PostObject',
    });
    const wrong = guard.checkForm(post, fields([['x-obs-server-side-encryption', 'AES128']]), head);
    expect(wrong).toMatchObject({ block: true, codes: ['value/not-allowed'], operation: 'PostObject' });
    expect(wrong.message).toContain('value/not-allowed on x-obs-server-side-encryption');
    const mismatch = guard.checkForm(
      post,
      fields([
        ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
        ['x-obs-server-side-encryption-customer-key', b64(KEY)],
        ['x-obs-server-side-encryption-customer-key-md5', md5(KEY_2)],
      ]),
      head,
    );
    expect(mismatch.codes).toEqual(['sse-c/md5-mismatch']);
    expect(JSON.stringify(mismatch)).not.toContain(b64(KEY));
  });

  test.each([
    ['limit', 'more than 64 KiB of form precede the file part'],
    ['malformed', 'the body is not valid multipart/form-data'],
    ['incomplete', 'the body ended or broke off before the file part'],
  ] as const)('an unread form (%s) is form/unchecked, an error unless lowered', (unread, why) => {
    const scan = { fields: [['key', 'k']] as HeaderPairs, unread };
    const verdict = guard.checkForm(post, scan, guard.checkRequest(post));
    expect(verdict).toMatchObject({ block: true, codes: ['form/unchecked'] });
    expect(verdict.diagnostics[0]?.message).toBe(
      `The SSE form fields of PostObject were not checked: ${why}.`,
    );
    const lenient = createEngineGuard({ severity: { 'form/unchecked': 'warning' } });
    expect(lenient.checkForm(post, scan, lenient.checkRequest(post))).toMatchObject({
      block: false,
      codes: ['form/unchecked'],
    });
    const off = createEngineGuard({ severity: { 'form/unchecked': 'off' } });
    expect(off.checkForm(post, scan, off.checkRequest(post)).codes).toEqual([]);
  });

  test('the response is held to what the form asked for', () => {
    const verdict = guard.checkForm(
      post,
      fields([['x-obs-server-side-encryption', 'kms']]),
      guard.checkRequest(post),
    );
    const response = (method: string): { codes: string[] } =>
      guard.checkResponse(
        post,
        { status: 204, headers: [['x-obs-server-side-encryption', method]] },
        verdict,
      );
    expect(response('kms').codes).toEqual([]);
    expect(response('AES256').codes).toEqual(['response/method-mismatch']);
  });
});
