/**
 * src/inspect: the per-exchange checks the linter and the proxy share. Every invalid case names the
 * code it must raise; a case that raises nothing (or something else) fails.
 */
import { getChecker, OPERATIONS } from '../../src';
import {
  inspectRequest,
  inspectResponse,
  SessionTracker,
  ValidationCache,
  type RequestInput,
  type RequestInspection,
} from '../../src/inspect';
import { REDACTED } from '../../src/redact';
import { DOC_KEY_NEW, DOC_KEY_OLD, DOC_MD5, H, KEY_ID, md5b64, newKey, S3, ssec } from '../helpers';

const HOST = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
const pairs = (o: Record<string, string>): [string, string][] => Object.entries(o);
const codes = (r: { diagnostics: readonly { code: string }[] } | readonly { code: string }[]): string[] =>
  ('diagnostics' in r ? r.diagnostics : r).map((d) => d.code);
const req = (input: Partial<RequestInput>): RequestInspection =>
  inspectRequest({ method: 'PUT', url: `${HOST}/a.bin`, headers: [], ...input });

describe('inspectRequest', () => {
  it('classifies the request and runs the engine on its SSE headers', () => {
    const r = req({ headers: [['x-obs-server-side-encryption', 'KMS']] });
    expect(r.operation).toBe('PutObject');
    expect(r.scheme).toBe('https');
    expect(codes(r)).toEqual(['value/not-allowed']);
    expect(r.diagnostics[0]).toMatchObject({
      operation: 'PutObject',
      direction: 'request',
      header: 'x-obs-server-side-encryption',
    });
  });

  it('takes the scheme from the URL for the transport rules, and schemeOverride over it', () => {
    const headers = pairs(ssec());
    expect(codes(req({ url: 'http://photos.obs.cn-north-4.myhuaweicloud.com/a.bin', headers }))).toEqual([
      'transport/https-required',
    ]);
    expect(
      codes(
        req({
          url: 'http://photos.obs.cn-north-4.myhuaweicloud.com/a.bin',
          headers,
          schemeOverride: 'https',
        }),
      ),
    ).toEqual([]);
    // An origin-form target does not say: the transport rules cannot apply.
    expect(
      req({ url: '/photos/a.bin', headers: [['Host', 'obs.cn-north-4.myhuaweicloud.com'], ...headers] })
        .scheme,
    ).toBeUndefined();
  });

  it('checks SSE parameters of a pre-signed URL like headers', () => {
    const r = req({ url: `${HOST}/a.bin?AccessKeyId=AK&Signature=s&x-obs-server-side-encryption=aes256` });
    expect(codes(r)).toEqual(['value/not-allowed']);
    expect(
      codes(req({ url: `${HOST}/a.bin?AccessKeyId=AK&Signature=s&x-obs-server-side-encryption=kms` })),
    ).toEqual([]);
  });

  it('reads PostObject SSE settings from the form fields, not the headers', () => {
    const form = {
      mimeType: 'multipart/form-data; boundary=b',
      params: [
        { name: 'key', value: 'a.bin' },
        { name: 'x-obs-server-side-encryption', value: 'kms' },
        { name: 'x-obs-server-side-encryption-kms-key-id', value: 'not a key id' },
      ],
    };
    const r = req({
      method: 'POST',
      url: `${HOST}/`,
      headers: [['Content-Type', form.mimeType]],
      postData: form,
    });
    expect(r.operation).toBe('PostObject');
    expect(codes(r)).toEqual(['sse-kms/invalid-key-id']);
    // The same settings as headers would be ignored by OBS; the form is what counts.
    const headersOnly = req({
      method: 'POST',
      url: `${HOST}/`,
      headers: [
        ['Content-Type', form.mimeType],
        ['x-obs-server-side-encryption', 'KMS'],
      ],
      postData: { mimeType: form.mimeType, params: [{ name: 'key', value: 'a.bin' }] },
    });
    expect(codes(headersOnly)).toEqual([]);
  });

  it('warns per SSE header on an operation the tables do not cover, and checks nothing else there', () => {
    const r = req({
      method: 'DELETE',
      headers: [
        ['x-obs-server-side-encryption', 'kms'],
        ['X-Obs-Server-Side-Encryption-Kms-Key-Id', 'x'],
      ],
    });
    expect(r.classification.kind).toBe('skipped');
    expect(r.operation).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.header])).toEqual([
      ['operation/unlisted-sse', 'warning', 'x-obs-server-side-encryption'],
      ['operation/unlisted-sse', 'warning', 'x-obs-server-side-encryption-kms-key-id'],
    ]);
    expect(r.diagnostics[0]?.message).toContain('sent on DeleteObject');
    expect(req({ method: 'DELETE' }).diagnostics).toEqual([]);
    expect(
      req({ method: 'GET', url: `${HOST}/?acl`, headers: [['x-obs-meta-color', 'red']] }).diagnostics,
    ).toEqual([]);
  });

  it('treats a key replaced by [REDACTED] as present with unknown content', () => {
    const headers: [string, string][] = [
      [H.cAlg, 'AES256'],
      [H.cKey, REDACTED],
      [H.cMd5, DOC_MD5],
    ];
    expect(codes(req({ headers }))).toEqual([]);
    // Presence checks still apply: the algorithm is missing here.
    expect(codes(req({ headers: headers.slice(1) }))).toEqual(['sse-c/incomplete']);
    // Only the redacted key is spared: a real mismatching copy-source key is still reported.
    const src: [string, string][] = [
      [H.srcAlg, 'AES256'],
      [H.srcKey, DOC_KEY_NEW],
      [H.srcMd5, DOC_MD5],
    ];
    const copy = req({ headers: [...headers, ...src, ['x-obs-copy-source', '/photos/b.bin']] });
    expect(copy.operation).toBe('CopyObject');
    expect(copy.diagnostics.map((d) => `${d.code} ${d.header}`)).toEqual([`sse-c/md5-mismatch ${H.srcMd5}`]);
  });

  it('summarises what was asked for, without key material', () => {
    const c = req({ headers: pairs(ssec(H, DOC_KEY_OLD)) });
    expect(c.sse).toEqual({
      method: 'SSE-C',
      methodValue: 'AES256',
      customer: { algorithm: 'AES256', keyMd5: DOC_MD5, dialect: 'obs' },
    });
    expect(JSON.stringify(c)).not.toContain(DOC_KEY_OLD);
    expect(req({ headers: [[S3.sse, 'aws:kms']] }).sse).toEqual({
      method: 'SSE-KMS',
      methodValue: 'aws:kms',
    });
    expect(req({ headers: [[H.sse, 'AES256']] }).sse.method).toBe('SSE-OBS');
    // Two methods at once name none.
    expect(req({ headers: [[H.sse, 'kms'], ...pairs(ssec())] }).sse.method).toBeUndefined();
  });

  it('passes the dialect option to the engine', () => {
    expect(codes(req({ headers: [[S3.sse, 'aws:kms']], dialect: 'obs' }))).toEqual(['dialect/mismatch']);
  });

  it('gives the same verdicts with a validation cache, and the cached ones stay intact', () => {
    const cache = new ValidationCache(4);
    const inputs: Partial<RequestInput>[] = [
      { headers: [[H.sse, 'KMS']] },
      { headers: pairs(ssec(H, DOC_KEY_NEW)).map(([n, v]) => [n, n === H.cMd5 ? DOC_MD5 : v]) },
      { headers: pairs(ssec()) },
      { url: `http://photos.obs.cn-north-4.myhuaweicloud.com/a.bin`, headers: [[H.sse, 'kms']] },
      { headers: [[H.sse, 'KMS']] },
      { headers: [[H.kmsKey, KEY_ID]] },
    ];
    for (const input of [...inputs, ...inputs]) {
      const plain = req(input);
      const cached = inspectRequest(
        { method: 'PUT', url: `${HOST}/a.bin`, headers: [], ...input },
        { cache },
      );
      expect(cached.diagnostics).toEqual(plain.diagnostics);
      // Verdicts are shared between inspections: they are frozen, so no caller can spoil the next one.
      if (cached.diagnostics.length > 0) {
        expect(Object.isFrozen(cached.diagnostics)).toBe(true);
        expect(Object.isFrozen(cached.diagnostics[0])).toBe(true);
      }
    }
  });

  it('has nothing to say without SSE-looking headers, for every operation and direction', () => {
    // inspect skips the engine for such messages; this holds the engine to it.
    for (const operation of OPERATIONS) {
      for (const direction of ['request', 'response'] as const) {
        for (const scheme of ['http', 'https', undefined] as const) {
          expect(
            getChecker().validate({
              operation,
              direction,
              scheme,
              headers: [
                ['Date', 'x'],
                ['x-obs-meta-a', 'b'],
              ],
            }).diagnostics,
          ).toEqual([]);
        }
      }
    }
  });
});

describe('inspectResponse', () => {
  const put = (headers: [string, string][]) => req({ headers });

  it('runs the engine on 2xx responses only', () => {
    const r = put([[H.sse, 'kms']]);
    expect(codes(inspectResponse(r, { status: 200, headers: [[H.sse, 'KMS']] }))).toEqual([
      'value/not-allowed',
    ]);
    expect(inspectResponse(r, { status: 403, headers: [[H.sse, 'KMS']] })).toEqual([]);
  });

  it('reports a response naming another method than the request asked for', () => {
    const d = inspectResponse(put([[H.sse, 'kms']]), { status: 200, headers: [[H.sse, 'AES256']] });
    expect(d.map((x) => [x.code, x.direction, x.header, x.received, x.expected])).toEqual([
      ['response/method-mismatch', 'response', H.sse, 'AES256', ['kms']],
    ]);
    expect(d[0]?.message).toBe('The response encrypts with AES256, but the request asked for kms.');
    const c = inspectResponse(put(pairs(ssec())), { status: 200, headers: [[H.sse, 'kms']] });
    expect(codes(c)).toContain('response/method-mismatch');
  });

  it('does not compare when the response names no method, or names the requested one in its dialect', () => {
    expect(inspectResponse(put([[H.sse, 'kms']]), { status: 200, headers: [] })).toEqual([]);
    expect(
      inspectResponse(put([[S3.sse, 'aws:kms']]), { status: 200, headers: [[S3.sse, 'aws:kms']] }),
    ).toEqual([]);
    const key = newKey();
    expect(
      inspectResponse(put(pairs(ssec(H, key))), {
        status: 200,
        headers: [
          [H.cAlg, 'AES256'],
          [H.cMd5, md5b64(key)],
        ],
      }),
    ).toEqual([]);
  });

  it('reports a response echoing another key MD5 than the request sent', () => {
    const d = inspectResponse(put(pairs(ssec(H, DOC_KEY_OLD))), {
      status: 200,
      headers: [
        [H.cAlg, 'AES256'],
        [H.cMd5, md5b64(newKey())],
      ],
    });
    expect(codes(d)).toEqual(['response/md5-mismatch']);
    expect(d[0]).toMatchObject({ header: H.cMd5, expected: [DOC_MD5], operation: 'PutObject' });
  });

  it('applies the transport rules the response triggers, with the request scheme', () => {
    const get = req({ method: 'GET', url: 'http://photos.obs.cn-north-4.myhuaweicloud.com/a.bin' });
    expect(codes(inspectResponse(get, { status: 200, headers: [[H.sse, 'kms']] }))).toEqual([
      'transport/https-required',
    ]);
  });

  it('follows severity overrides, `off` included', () => {
    const severity = { 'response/md5-mismatch': 'warning', 'response/method-mismatch': 'off' } as const;
    const r = inspectRequest(
      { method: 'PUT', url: `${HOST}/a.bin`, headers: [[H.sse, 'kms']] },
      { severity },
    );
    expect(inspectResponse(r, { status: 200, headers: [[H.sse, 'AES256']] }, { severity })).toEqual([]);
    const s = inspectRequest({ method: 'PUT', url: `${HOST}/a.bin`, headers: pairs(ssec()) }, { severity });
    const d = inspectResponse(
      s,
      {
        status: 200,
        headers: [
          [H.cMd5, md5b64(newKey())],
          [H.cAlg, 'AES256'],
        ],
      },
      { severity },
    );
    expect(d.map((x) => [x.code, x.severity])).toEqual([['response/md5-mismatch', 'warning']]);
  });
});

describe('SessionTracker', () => {
  const keyA = newKey();
  const keyB = newKey();
  const initiate = (headers: [string, string][]) =>
    req({ method: 'POST', url: `${HOST}/big.bin?uploads`, headers });
  const part = (headers: [string, string][], id = 'U1', copy = false) =>
    req({
      url: `${HOST}/big.bin?partNumber=1&uploadId=${id}`,
      headers: copy ? [...headers, ['x-obs-copy-source', '/p/s.bin']] : headers,
    });
  const xml = (id: string) =>
    `<InitiateMultipartUploadResult><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`;
  /** Opens upload U1; `withBody: false` records the initiate as a log without bodies would. */
  const open = (t: SessionTracker, headers: [string, string][], withBody = true) => {
    const i = initiate(headers);
    expect(t.request(i)).toEqual([]);
    t.response(i, withBody ? { status: 200, body: xml('U1') } : { status: 200 });
  };

  it('accepts parts with the initiate key and reports parts with another', () => {
    const t = new SessionTracker();
    open(t, pairs(ssec(H, keyA)));
    expect(t.request(part(pairs(ssec(H, keyA))))).toEqual([]);
    const d = t.request(part(pairs(ssec(H, keyB)), 'U1', true));
    expect(d.map((x) => [x.code, x.operation, x.header])).toEqual([
      ['session/key-mismatch', 'UploadPartCopy', 'x-obs-server-side-encryption-customer-key-md5'],
    ]);
    expect(d[0]?.message).toContain('upload U1');
    expect(JSON.stringify(d)).not.toContain(keyB);
  });

  it('reports a part without the SSE-C the initiate had, and the reverse', () => {
    const t = new SessionTracker();
    open(t, pairs(ssec(H, keyA)));
    expect(codes(t.request(part([])))).toEqual(['session/key-mismatch']);
    const u = new SessionTracker();
    open(u, []);
    expect(codes(u.request(part(pairs(ssec(H, keyA)))))).toEqual(['session/key-mismatch']);
    expect(u.request(part([]))).toEqual([]);
  });

  it('reports another algorithm with the same key MD5', () => {
    const t = new SessionTracker();
    open(
      t,
      pairs(ssec(H, keyA)).filter(([n]) => n !== H.cAlg),
    );
    expect(t.request(part(pairs(ssec(H, keyA)).filter(([n]) => n !== H.cAlg)))).toEqual([]);
    expect(t.request(part(pairs(ssec(H, keyA)))).map((d) => d.header)).toEqual([H.cAlg]);
  });

  it('learns the upload id from the first part when the initiate response had no body', () => {
    const t = new SessionTracker();
    open(t, pairs(ssec(H, keyA)), false);
    expect(t.request(part(pairs(ssec(H, keyA)), 'LEARNED'))).toEqual([]);
    expect(codes(t.request(part(pairs(ssec(H, keyB)), 'LEARNED')))).toEqual(['session/key-mismatch']);
  });

  it('cannot compare parts of uploads it never saw open, failed initiates, or completed uploads, and says so', () => {
    const t = new SessionTracker();
    const unknown = ['session/unknown-upload'];
    expect(codes(t.request(part(pairs(ssec(H, keyB)), 'UNKNOWN')))).toEqual(unknown);
    const failed = initiate(pairs(ssec(H, keyA)));
    t.response(failed, { status: 403, body: xml('F1') });
    expect(codes(t.request(part([], 'F1')))).toEqual(unknown);
    open(t, pairs(ssec(H, keyA)));
    t.response(req({ method: 'POST', url: `${HOST}/big.bin?uploadId=U1` }), { status: 200 });
    expect(codes(t.request(part([], 'U1')))).toEqual(unknown);
  });

  it('judges a triple on CompleteMultipartUpload against the upload, and lets a completion without one pass', () => {
    const complete = (headers: [string, string][]) =>
      req({ method: 'POST', url: `${HOST}/big.bin?uploadId=U1`, headers });
    const t = new SessionTracker();
    open(t, pairs(ssec(S3, keyA)));
    expect(t.request(complete(pairs(ssec(S3, keyA))))).toEqual([]);
    expect(t.request(complete([]))).toEqual([]);
    const d = t.request(complete(pairs(ssec(S3, keyB))));
    expect(d.map((x) => [x.code, x.operation, x.header])).toEqual([
      ['session/key-mismatch', 'CompleteMultipartUpload', 'x-amz-server-side-encryption-customer-key-md5'],
    ]);
    expect(JSON.stringify(d)).not.toContain(keyB);
    const u = new SessionTracker();
    open(u, []);
    expect(codes(u.request(complete(pairs(ssec(S3, keyA)))))).toEqual(['session/key-mismatch']);
  });

  it('spells the header in the dialect of the upload', () => {
    const t = new SessionTracker();
    open(t, pairs(ssec(S3, keyA)));
    expect(t.request(part([])).map((d) => d.header)).toEqual([
      'x-amz-server-side-encryption-customer-key-md5',
    ]);
  });
});
