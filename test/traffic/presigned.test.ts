import { presignedSseParams } from '../../src/traffic/presigned';

test('returns SSE-looking query parameters of either dialect, names lower-cased, values decoded', () => {
  const url =
    'https://b.obs.cn-north-4.myhuaweicloud.com/k?AccessKeyId=AK&Expires=1700000000&Signature=s%2Bg%3D' +
    '&x-obs-server-side-encryption=kms&X-Obs-Server-Side-Encryption-Kms-Key-Id=cn-north-4%3Aabc%3Akey%2F1' +
    '&x-obs-sse-kms-key-project-id=p1&X-Amz-Server-Side-Encryption-Customer-Algorithm=AES256' +
    '&X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption&x-obs-meta-sse=not-a-header-prefix-match';
  expect(presignedSseParams(url)).toEqual([
    ['x-obs-server-side-encryption', 'kms'],
    ['x-obs-server-side-encryption-kms-key-id', 'cn-north-4:abc:key/1'],
    ['x-obs-sse-kms-key-project-id', 'p1'],
    ['x-amz-server-side-encryption-customer-algorithm', 'AES256'],
    ['x-obs-meta-sse', 'not-a-header-prefix-match'],
  ]);
});

test('nothing without a query or SSE parameters', () => {
  expect(presignedSseParams('https://b.obs.cn-north-4.myhuaweicloud.com/k')).toEqual([]);
  expect(presignedSseParams('/k?x-amz-date=20240101T000000Z&sse=kms&server-side-encryption=kms')).toEqual([]);
});
