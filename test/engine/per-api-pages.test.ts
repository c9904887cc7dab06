/**
 * Where OBS's per-API pages (huaweicloudDocs/obs, cn.zh-cn/API参考) say more than the seed tables, the rules
 * follow the pages: each case is a header map shaped as the page documents it, and the provenance of the
 * verdict names the page. (Issue 17: each of these failed before the rules were re-read against the pages.)
 */
import { DOC_MD5, H, KEY_ID, PROJECT_ID, newKey, run, srcSsec, ssec } from '../helpers';
import type { Provenance } from '../../src/types';

const key = newKey();
const triple = ssec(H, key);
const pages = (ps: Provenance[]): string[] => ps.flatMap((p) => (p.page ? [p.page] : []));

describe('合并段 (CompleteMultipartUpload) responses: the algorithm alone, as the page lists it', () => {
  test('x-obs-server-side-encryption-customer-algorithm alone is a valid response', () => {
    const r = run({
      operation: 'CompleteMultipartUpload',
      direction: 'response',
      headers: { 'x-obs-version-id': 'G001118A6456208AFFFF0000000000', [H.cAlg]: 'AES256' },
    });
    expect(r.pairs).toEqual([]);
  });

  test('the MD5 the seed allows there is still taken, with the algorithm', () => {
    const r = run({
      operation: 'CompleteMultipartUpload',
      direction: 'response',
      headers: { [H.cAlg]: 'AES256', [H.cMd5]: DOC_MD5 },
    });
    expect(r.pairs).toEqual([]);
  });

  test('an MD5 without the algorithm it describes is incomplete, citing the page', () => {
    const r = run({
      operation: 'CompleteMultipartUpload',
      direction: 'response',
      headers: { [H.cMd5]: DOC_MD5 },
    });
    expect(r.pairs).toEqual([`sse-c/incomplete ${H.cMd5}`]);
    expect(pages(r.diagnostics[0]!.provenance).join()).toContain('合并段');
  });

  test('other operations still return the pair together (GetObject)', () => {
    const r = run({ operation: 'GetObject', direction: 'response', headers: { [H.cAlg]: 'AES256' } });
    expect(r.pairs).toEqual([`sse-c/incomplete ${H.cMd5}`]);
  });
});

describe('与服务端加密相关的接口 (transport tables): a copy-source key over HTTP is a warning, not an error', () => {
  const src = srcSsec(key);

  test('复制对象 Table 3: an SSE-C source copied to an unencrypted object over HTTP is allowed, with a warning', () => {
    const r = run({ operation: 'CopyObject', direction: 'request', headers: src, scheme: 'http' });
    expect(r.valid).toBe(true);
    expect(r.pairs).toEqual([`transport/customer-key-in-clear ${H.srcAlg}`]);
    expect(r.diagnostics[0]!.severity).toBe('warning');
    expect(r.diagnostics[0]!.message).toMatch(/in clear/);
    expect(pages(r.diagnostics[0]!.provenance).join()).toContain('Table 3');
  });

  test('拷贝段 Table 4: an SSE-C source copied into a part that is not SSE-C, over HTTP: a warning', () => {
    const r = run({ operation: 'UploadPartCopy', direction: 'request', headers: src, scheme: 'http' });
    expect(r.valid).toBe(true);
    expect(r.pairs).toEqual([`transport/customer-key-in-clear ${H.srcAlg}`]);
  });

  test('Table 3: an SSE-C source copied to an SSE-KMS or SSE-OBS object needs HTTPS (one error, no warning)', () => {
    for (const sse of ['kms', 'AES256']) {
      const r = run({
        operation: 'CopyObject',
        direction: 'request',
        headers: { ...src, [H.sse]: sse },
        scheme: 'http',
      });
      expect(r.pairs).toEqual([`transport/https-required ${H.sse}`]);
    }
  });

  test('Tables 3 and 4: an SSE-C target needs HTTPS, citing the table', () => {
    for (const operation of ['CopyObject', 'UploadPartCopy'] as const) {
      const r = run({ operation, direction: 'request', headers: { ...src, ...triple }, scheme: 'http' });
      expect(r.pairs).toEqual([`transport/https-required ${H.cAlg}`]);
      expect(pages(r.diagnostics[0]!.provenance).join()).toContain('Table 1');
    }
  });

  test('over HTTPS nothing is said', () => {
    expect(
      run({ operation: 'CopyObject', direction: 'request', headers: src, scheme: 'https' }).pairs,
    ).toEqual([]);
  });
});

describe('the project id on object writes: backed by the SDK source, not a page', () => {
  const kms = { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID };

  test.each(['PutObject', 'CopyObject', 'InitiateMultipartUpload', 'AppendObject'] as const)(
    '%s: a warning whose provenance is the SDK source, not a per-API fact',
    (operation) => {
      const r = run({ operation, direction: 'request', headers: kms });
      expect(r.valid).toBe(true);
      expect(r.pairs).toEqual([`sse-kms/project-id-unlisted ${H.project}`]);
      const provenance = r.diagnostics[0]!.provenance;
      expect(provenance.map((p) => p.source)).toContain('sdk');
      // It used to say "per-API fact 6", which no per-API page backs.
      expect(provenance.filter((p) => p.source === 'per-API' && p.fact !== undefined)).toEqual([]);
      expect(r.diagnostics[0]!.provenance.find((p) => p.source === 'sdk')!.ref).toMatch(/obsModel\.js:\d+/);
    },
  );

  test('PostObject: an error, and its provenance says why it differs (no SDK call sends it)', () => {
    const r = run({ operation: 'PostObject', direction: 'request', headers: kms });
    expect(r.pairs).toEqual([`header/not-allowed ${H.project}`]);
    const put = run({ operation: 'PutObject', direction: 'request', headers: kms }).diagnostics[0]!;
    expect(put.provenance.find((p) => p.source === 'sdk')!.note).toMatch(/PostObject differs/);
  });
});

describe('the project id in responses: returned only when SSE-KMS is used, for custom keys (seed response rows)', () => {
  const response = (headers: Record<string, string>) =>
    run({ operation: 'GetObject', direction: 'response', headers });

  test('with kms and the key id: valid', () => {
    expect(response({ [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID }).pairs).toEqual([]);
  });

  test('with AES256: needs kms', () => {
    expect(response({ [H.sse]: 'AES256', [H.project]: PROJECT_ID }).pairs).toEqual([
      `sse-kms/project-id-requires-kms ${H.project}`,
      `sse-kms/project-id-requires-key-id ${H.project}`,
    ]);
  });

  test('with SSE-C: needs kms', () => {
    const r = response({ [H.cAlg]: 'AES256', [H.cMd5]: DOC_MD5, [H.project]: PROJECT_ID });
    expect(r.pairs).toContain(`sse-kms/project-id-requires-kms ${H.project}`);
  });

  test('alone: needs kms and the key id, citing the seed rows', () => {
    const r = response({ [H.project]: PROJECT_ID });
    expect(r.pairs).toEqual([
      `sse-kms/project-id-requires-kms ${H.project}`,
      `sse-kms/project-id-requires-key-id ${H.project}`,
    ]);
    expect(r.diagnostics[0]!.provenance.map((p) => p.source)).toEqual(['seed', 'seed']);
  });
});

describe('a response returns the key id in its full form, regionID:domainID:key/key_id', () => {
  test('a bare key id in a response is a warning', () => {
    const r = run({
      operation: 'CompleteMultipartUpload',
      direction: 'response',
      headers: { [H.sse]: 'kms', [H.kmsKey]: '4f1cd4de-ab64-4807-920a-47fc42e7f0d0' },
    });
    expect(r.valid).toBe(true);
    expect(r.pairs).toEqual([`sse-kms/bare-key-id-in-response ${H.kmsKey}`]);
    expect(r.diagnostics[0]!.message).toContain('regionID:domainID:key/key_id');
  });

  test('the documented full form passes, and a bare key id still passes in a request', () => {
    const full = { [H.sse]: 'kms', [H.kmsKey]: KEY_ID };
    expect(run({ operation: 'PutObject', direction: 'response', headers: full }).pairs).toEqual([]);
    const bare = { [H.sse]: 'kms', [H.kmsKey]: '4f1cd4de-ab64-4807-920a-47fc42e7f0d0' };
    expect(run({ operation: 'PutObject', direction: 'request', headers: bare }).pairs).toEqual([]);
  });
});

describe('追加写对象 (AppendObject): SSE-KMS on the first append only, SSE-C on every append', () => {
  const kms = { [H.sse]: 'kms', [H.kmsKey]: KEY_ID };
  const append = (position: number | undefined, headers: Record<string, string>) =>
    run({ operation: 'AppendObject', direction: 'request', headers, scheme: 'https', position });

  test('constraint 3: SSE-KMS headers on the first append (position=0) are valid', () => {
    expect(append(0, { ...kms, [H.data]: 'SM4' }).pairs).toEqual([]);
  });

  test('constraint 3: a later append (position > 0) carrying them is refused, header by header', () => {
    const r = append(1458, { ...kms, [H.data]: 'SM4' });
    expect(r.pairs).toEqual([
      `append/sse-kms-after-first ${H.sse}`,
      `append/sse-kms-after-first ${H.data}`,
      `append/sse-kms-after-first ${H.kmsKey}`,
    ]);
    expect(pages(r.diagnostics[0]!.provenance).join()).toContain('追加写对象');
    expect(r.diagnostics[0]!.provenance.map((p) => p.note).join()).toContain('后续追加上传不携带');
  });

  test('constraint 2: the SSE-C triple goes on every append, the first and the later ones', () => {
    expect(append(0, triple).pairs).toEqual([]);
    expect(append(1458, triple).pairs).toEqual([]);
  });

  test('a later append without SSE headers is valid', () => {
    expect(append(1458, {}).pairs).toEqual([]);
  });

  test('position unknown: only what holds at any position applies (AppendObject read as PutObject)', () => {
    expect(append(undefined, kms).pairs).toEqual([]);
  });

  test('AES256 (read from PutObject, no page lists it) is held to the same first-append rule', () => {
    expect(append(0, { [H.sse]: 'AES256' }).pairs).toEqual([]);
    expect(append(5, { [H.sse]: 'AES256' }).pairs).toEqual([`append/sse-kms-after-first ${H.sse}`]);
  });

  test('position is ignored for other operations, and must be a non-negative integer', () => {
    expect(run({ operation: 'PutObject', direction: 'request', headers: kms, position: 5 }).pairs).toEqual(
      [],
    );
    expect(() => append(-1, {})).toThrow(TypeError);
    expect(() => append(1.5, {})).toThrow(/non-negative integer/);
  });
});
