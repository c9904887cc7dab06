/** A message mixing dialects is reported once for the mix, and its other-dialect headers are still checked. */
import { DOC_KEY_NEW, DOC_KEY_OLD, DOC_MD5, H, KEY_ID, S3, run } from '../helpers';

test('the mix alone is reported when the headers agree across dialects', () => {
  const r = run({
    operation: 'PutObject',
    direction: 'request',
    headers: { [S3.sse]: 'aws:kms', [H.kmsKey]: KEY_ID },
  });
  expect(r.pairs).toEqual([`dialect/mixed ${S3.sse}`]);
});

test('headers of the minority dialect are still checked, and named as sent', () => {
  const r = run({
    operation: 'PutObject',
    direction: 'request',
    headers: { [H.sse]: 'kms', [S3.kmsKey]: 'not a key id' },
  });
  expect(r.pairs.sort()).toEqual(
    [`dialect/mixed ${S3.kmsKey}`, `sse-kms/invalid-key-id ${S3.kmsKey}`].sort(),
  );
});

test('an SSE-C triple split over dialects is still compared with its MD5', () => {
  const headers = { [H.cAlg]: 'AES256', [H.cKey]: DOC_KEY_NEW, [S3.cMd5]: DOC_MD5 };
  expect(run({ operation: 'GetObject', direction: 'request', headers }).pairs.sort()).toEqual(
    [`dialect/mixed ${S3.cMd5}`, `sse-c/md5-mismatch ${S3.cMd5}`].sort(),
  );
  const good = { [H.cAlg]: 'AES256', [H.cKey]: DOC_KEY_OLD, [S3.cMd5]: DOC_MD5 };
  expect(run({ operation: 'GetObject', direction: 'request', headers: good }).pairs).toEqual([
    `dialect/mixed ${S3.cMd5}`,
  ]);
});

test('a forced dialect reports the other spelling as a mismatch, once', () => {
  const r = run({
    operation: 'PutObject',
    direction: 'request',
    dialect: 'obs',
    headers: { [S3.sse]: 'aws:kms', [H.kmsKey]: KEY_ID },
  });
  expect(r.pairs).toEqual([`dialect/mismatch ${S3.sse}`]);
});
