import { bucketFromHost, classify, type Addressing, type Classification } from '../../src/traffic/classify';

const V = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
const P = 'https://obs.cn-north-4.myhuaweicloud.com/photos';
const COPY: Array<[string, string]> = [['x-obs-copy-source', '/src/a.txt']];
const FORM: Array<[string, string]> = [['Content-Type', 'multipart/form-data; boundary=x']];

type Row = [
  method: string,
  pathAndQuery: string,
  headers: Array<[string, string]>,
  expected: Partial<Classification>,
];

// Rows are written once and run under both addressing styles: `pathAndQuery` goes after the
// bucket, so "/k" is the object "k" and "" is the bucket itself.
const operations: Row[] = [
  ['PUT', '', [], { kind: 'operation', operation: 'CreateBucket' }],
  ['PUT', '/dir/a.txt', [], { kind: 'operation', operation: 'PutObject', key: 'dir/a.txt' }],
  ['PUT', '/a.txt', COPY, { kind: 'operation', operation: 'CopyObject' }],
  ['PUT', '/a.txt', [['X-Amz-Copy-Source', '/src/a.txt']], { kind: 'operation', operation: 'CopyObject' }],
  ['POST', '', FORM, { kind: 'operation', operation: 'PostObject' }],
  ['POST', '/', [], { kind: 'operation', operation: 'PostObject' }],
  ['GET', '/a.txt', [], { kind: 'operation', operation: 'GetObject', key: 'a.txt' }],
  [
    'GET',
    '/a.txt?versionId=1&response-content-type=text%2Fplain',
    [],
    { kind: 'operation', operation: 'GetObject' },
  ],
  ['HEAD', '/a.txt', [], { kind: 'operation', operation: 'HeadObject' }],
  [
    'POST',
    '/big.bin?uploads',
    [],
    { kind: 'operation', operation: 'InitiateMultipartUpload', key: 'big.bin' },
  ],
  [
    'PUT',
    '/big.bin?partNumber=3&uploadId=U1',
    [],
    { kind: 'operation', operation: 'UploadPart', uploadId: 'U1', partNumber: 3 },
  ],
  [
    'PUT',
    '/big.bin?uploadId=U1&partNumber=4',
    COPY,
    { kind: 'operation', operation: 'UploadPartCopy', uploadId: 'U1', partNumber: 4 },
  ],
  [
    'POST',
    '/big.bin?uploadId=U1',
    [],
    { kind: 'operation', operation: 'CompleteMultipartUpload', uploadId: 'U1' },
  ],
  [
    'POST',
    '/log.txt?append&position=0',
    [],
    { kind: 'operation', operation: 'AppendObject', key: 'log.txt' },
  ],
  ['put', '/lower-case-method', [], { kind: 'operation', operation: 'PutObject' }],
];

const skipped: Row[] = [
  ['PUT', '?encryption', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['GET', '?encryption', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['DELETE', '?encryption', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['PUT', '?acl', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['PUT', '?policy', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['PUT', '?cors', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['PUT', '?lifecycle', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['PUT', '?versioning', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['PUT', '?tagging', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['GET', '?uploads', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['POST', '?delete', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['PUT', '?someFutureThing', [], { kind: 'skipped', reason: 'bucket-subresource' }],
  ['GET', '', [], { kind: 'skipped', reason: 'other-operation' }],
  ['GET', '?prefix=a&max-keys=10', [], { kind: 'skipped', reason: 'other-operation' }],
  ['HEAD', '', [], { kind: 'skipped', reason: 'other-operation' }],
  ['DELETE', '', [], { kind: 'skipped', reason: 'other-operation' }],
  ['POST', '', [['Content-Type', 'application/json']], { kind: 'skipped', reason: 'other-operation' }],
  ['DELETE', '/a.txt', [], { kind: 'skipped', reason: 'other-operation' }],
  ['DELETE', '/big.bin?uploadId=U1', [], { kind: 'skipped', reason: 'other-operation' }],
  ['GET', '/big.bin?uploadId=U1', [], { kind: 'skipped', reason: 'other-operation' }],
  ['PUT', '/a.txt?acl', [], { kind: 'skipped', reason: 'other-operation' }],
  ['GET', '/a.txt?acl', [], { kind: 'skipped', reason: 'other-operation' }],
  ['PUT', '/a.txt?metadata', COPY, { kind: 'skipped', reason: 'other-operation' }],
  ['POST', '/a.txt?restore', [], { kind: 'skipped', reason: 'other-operation' }],
  ['POST', '/a.txt', [], { kind: 'skipped', reason: 'other-operation' }],
  ['OPTIONS', '/a.txt', [], { kind: 'skipped', reason: 'other-operation' }],
  // Exact names, as OBS documents them: a lower-cased uploadid is not an UploadPart.
  ['PUT', '/big.bin?partnumber=3&uploadid=U1', [], { kind: 'operation', operation: 'PutObject' }],
  ['PUT', '/big.bin?partNumber=3', [], { kind: 'skipped', reason: 'other-operation' }],
];

function url(style: 'path' | 'virtual', rest: string): string {
  if (style === 'virtual') return `${V}${rest.startsWith('/') ? rest : `/${rest}`}`;
  return `${P}${rest}`;
}

describe.each(['path', 'virtual'] as const)('classify with %s-style URLs', (style) => {
  test.each([...operations, ...skipped])('%s %s %j', (method, rest, headers, expected) => {
    for (const addressing of ['auto', style] as Addressing[]) {
      const result = classify({ method, url: url(style, rest), headers, addressing });
      expect(result).toMatchObject({ ...expected, scheme: 'https' });
      if (result.kind === 'operation') {
        expect(result.bucket).toBe('photos');
        expect(result.addressing).toBe(style);
      } else {
        expect(result.detail).not.toBe('');
        expect(result.bucket).toBe('photos');
      }
    }
  });
});

test('skip details name the OBS API', () => {
  expect(classify({ method: 'GET', url: `${P}?encryption` })).toMatchObject({
    detail: 'GET ?encryption: bucket sub-resource (bucket default encryption)',
  });
  expect(classify({ method: 'GET', url: `${P}/k?uploadId=1` })).toMatchObject({
    detail: 'GET ?uploadId: ListParts',
  });
  expect(classify({ method: 'DELETE', url: `${P}/k?uploadId=1` })).toMatchObject({
    detail: 'DELETE ?uploadId: AbortMultipartUpload',
  });
});

test('service-level requests are skipped', () => {
  expect(classify({ method: 'GET', url: 'https://obs.cn-north-4.myhuaweicloud.com/' })).toEqual({
    kind: 'skipped',
    reason: 'service',
    detail: 'GET /: ListBuckets',
    scheme: 'https',
  });
  expect(classify({ method: 'GET', url: 'http://obs.cn-north-4.myhuaweicloud.com' })).toMatchObject({
    reason: 'service',
    scheme: 'http',
  });
});

test.each([
  ['photos.obs.cn-north-4.myhuaweicloud.com', 'photos'],
  ['photos.obs.ap-southeast-1.myhuaweicloud.com:443', 'photos'],
  ['photos.obs.cn-north-1.myhwclouds.com', 'photos'],
  ['photos.obs.myhwclouds.com', 'photos'],
  ['photos.obs.eu-west-101.myhuaweicloud.eu', 'photos'],
  ['photos.obs.cn-north-4.huaweicloud.com', 'photos'],
  ['photos.obs.eu-de.otc.t-systems.com', 'photos'],
  ['PHOTOS.OBS.CN-NORTH-4.MYHUAWEICLOUD.COM', 'photos'],
  ['my.dotted.bucket.obs.cn-north-4.myhuaweicloud.com', 'my.dotted.bucket'],
  ['obs.obs.cn-north-4.myhuaweicloud.com', 'obs'],
  ['obs.cn-north-4.myhuaweicloud.com', undefined],
  ['obs.myhwclouds.com', undefined],
  ['obs.eu-de.otc.t-systems.com', undefined],
  ['127.0.0.1', undefined],
  ['[::1]', undefined],
  ['localhost', undefined],
  ['minio.internal.example.com', undefined],
])('bucketFromHost(%s) = %s', (host, bucket) => {
  const parsed = host.toLowerCase().replace(/:\d+$/, '');
  expect(bucketFromHost(parsed)).toBe(bucket);
  // The same rule drives classify's auto addressing, port and case included.
  const r = classify({ method: 'PUT', url: `https://${host}/k` });
  if (bucket === undefined)
    expect(r).toMatchObject({ kind: 'operation', operation: 'CreateBucket', bucket: 'k' });
  else
    expect(r).toMatchObject({
      kind: 'operation',
      operation: 'PutObject',
      bucket,
      key: 'k',
      addressing: 'virtual',
    });
});

test('path and IP hosts stay path-style under auto; overrides win', () => {
  expect(classify({ method: 'PUT', url: 'http://10.0.0.5:9000/photos/a.txt' })).toMatchObject({
    operation: 'PutObject',
    bucket: 'photos',
    key: 'a.txt',
    scheme: 'http',
    addressing: 'path',
  });
  expect(classify({ method: 'PUT', url: 'http://localhost:8080/photos' })).toMatchObject({
    operation: 'CreateBucket',
    bucket: 'photos',
  });
  // A custom endpoint: auto cannot know, `virtual` says the first label is the bucket.
  expect(
    classify({ method: 'PUT', url: 'https://photos.s3.example.com/a.txt', addressing: 'virtual' }),
  ).toMatchObject({ operation: 'PutObject', bucket: 'photos', key: 'a.txt', addressing: 'virtual' });
  expect(classify({ method: 'PUT', url: 'https://photos.s3.example.com/a.txt' })).toMatchObject({
    operation: 'CreateBucket',
    bucket: 'a.txt',
    addressing: 'path',
  });
  // `path` ignores a virtual-looking host.
  expect(classify({ method: 'PUT', url: `${V}/a/b.txt`, addressing: 'path' })).toMatchObject({
    operation: 'PutObject',
    bucket: 'a',
    key: 'b.txt',
  });
});

test('keys are percent-decoded and dot segments are kept', () => {
  expect(classify({ method: 'PUT', url: `${V}/dir/caf%C3%A9%20menu%2B1.txt` })).toMatchObject({
    key: 'dir/café menu+1.txt',
  });
  expect(classify({ method: 'GET', url: `${P}/a/../b/./c` })).toMatchObject({ key: 'a/../b/./c' });
  expect(classify({ method: 'GET', url: `${P}//leading-slash` })).toMatchObject({ key: '/leading-slash' });
  expect(classify({ method: 'GET', url: `${P}/bad%ZZescape` })).toMatchObject({ key: 'bad%ZZescape' });
  expect(classify({ method: 'GET', url: `${P}/a.txt#fragment` })).toMatchObject({ key: 'a.txt' });
});

test('origin-form URLs take the host from the Host header and have no scheme', () => {
  const r = classify({
    method: 'PUT',
    url: '/a.txt?partNumber=1&uploadId=abc',
    headers: [['Host', 'photos.obs.cn-north-4.myhuaweicloud.com']],
  });
  expect(r).toEqual({
    kind: 'operation',
    operation: 'UploadPart',
    bucket: 'photos',
    key: 'a.txt',
    uploadId: 'abc',
    partNumber: 1,
    addressing: 'virtual',
  });
  expect(
    classify({ method: 'GET', url: '/photos/a.txt', headers: [[':authority', '10.1.1.1']] }),
  ).toMatchObject({
    operation: 'GetObject',
    bucket: 'photos',
  });
  expect(classify({ method: 'GET', url: '/a.txt', addressing: 'virtual' })).toMatchObject({
    kind: 'skipped',
    reason: 'service',
  });
});

test('a non-numeric partNumber is not invented', () => {
  const r = classify({ method: 'PUT', url: `${P}/k?partNumber=x&uploadId=u` });
  expect(r).toMatchObject({ operation: 'UploadPart', uploadId: 'u' });
  expect(r).not.toHaveProperty('partNumber');
});
