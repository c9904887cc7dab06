/**
 * 追加写对象 (AppendObject), constraints 2 and 3, in the guard and the linter: the classifier reads
 * ?position, SSE-KMS headers are refused on a later append, and every later append to an SSE-C object
 * must carry the key of its first append.
 */
import { Readable } from 'node:stream';
import { createEngineGuard } from '../../src/guard/engine-guard';
import { lint, streamInput } from '../../src/lint';
import type { GuardRequest, HeaderPairs } from '../../src/proxy/types';
import { classify } from '../../src/traffic/classify';
import { H, KEY_ID, newKey, ssec } from '../helpers';

const keyA = Object.entries(ssec(H, newKey())) as HeaderPairs;
const keyB = Object.entries(ssec(H, newKey())) as HeaderPairs;
const KMS: HeaderPairs = [
  [H.sse, 'kms'],
  [H.kmsKey, KEY_ID],
];
const append = (position: number | string, headers: HeaderPairs = []): GuardRequest => ({
  method: 'POST',
  url: `/b/app.log?append&position=${position}`,
  headers: [['Host', '127.0.0.1:9000'], ...headers],
  upstreamScheme: 'https',
});

test('the classifier reads ?position on AppendObject, and leaves a malformed one unknown', () => {
  const at = (q: string) =>
    classify({ method: 'POST', url: `https://b.obs.cn-north-4.myhuaweicloud.com/k?${q}` });
  expect(at('append&position=0')).toMatchObject({ operation: 'AppendObject', position: 0 });
  expect(at('append&position=1458')).toMatchObject({ operation: 'AppendObject', position: 1458 });
  expect(at('append&position=-1')).not.toHaveProperty('position');
  expect(at('append')).not.toHaveProperty('position');
});

describe('the guard', () => {
  test('constraint 3: SSE-KMS on the first append passes, on a later append it is blocked', () => {
    const guard = createEngineGuard();
    expect(guard.checkRequest(append(0, KMS))).toMatchObject({ block: false, codes: [] });
    const later = guard.checkRequest(append(1458, KMS));
    expect(later.block).toBe(true);
    expect(later.codes).toEqual(['append/sse-kms-after-first']);
  });

  test('constraint 2: a later append with the first append key passes; another key or none is blocked', () => {
    const guard = createEngineGuard();
    const first = append(0, keyA);
    const v = guard.checkRequest(first);
    expect(v.block).toBe(false);
    guard.checkResponse(first, { status: 200, headers: [['x-obs-next-append-position', '1024']] }, v);
    expect(guard.checkRequest(append(1024, keyA))).toMatchObject({ block: false, codes: [] });
    expect(guard.checkRequest(append(1024, keyB)).codes).toEqual(['append/key-mismatch']);
    expect(guard.checkRequest(append(1024)).codes).toEqual(['append/key-mismatch']);
  });

  test('an object whose first append was not SSE-C takes later appends without SSE-C', () => {
    const guard = createEngineGuard();
    const first = append(0, KMS);
    guard.checkResponse(first, { status: 200, headers: [] }, guard.checkRequest(first));
    expect(guard.checkRequest(append(7))).toMatchObject({ block: false, codes: [] });
    expect(guard.checkRequest(append(7, keyA)).codes).toEqual(['append/key-mismatch']);
  });
});

test('the linter: both constraints across a recording, the key never in the output', async () => {
  const HOST = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
  const exchange = (position: number, headers: HeaderPairs, key = 'app.log') =>
    JSON.stringify({
      method: 'POST',
      url: `${HOST}/${key}?append&position=${position}`,
      requestHeaders: headers,
      status: 200,
      responseHeaders: [],
    });
  const text = [
    exchange(0, keyA),
    exchange(1024, keyA),
    exchange(2048, keyB),
    exchange(0, KMS, 'kms.log'),
    exchange(99, KMS, 'kms.log'),
  ].join('\n');
  const r = await lint([streamInput(Readable.from([Buffer.from(text)]), 'appends.ndjson')]);
  expect(r.findings.map((f) => `${f.line} ${f.code} ${f.header}`)).toEqual([
    `3 append/key-mismatch ${H.cMd5}`,
    `5 append/sse-kms-after-first ${H.sse}`,
    `5 append/sse-kms-after-first ${H.kmsKey}`,
  ]);
  const keys = [...keyA, ...keyB].filter(([n]) => n === H.cKey).map(([, v]) => v);
  for (const k of keys) expect(JSON.stringify(r)).not.toContain(k);
});
