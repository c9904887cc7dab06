import {
  extractUploadId,
  fingerprintFromHeaders,
  MemoryUploadSessionStore,
} from '../../src/traffic/upload-id';

test.each([
  [
    '<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult xmlns="http://obs.myhwclouds.com/doc/2015-06-30/"><Bucket>b</Bucket><Key>k</Key><UploadId>000001648453845DBB78F2340DD460D8</UploadId></InitiateMultipartUploadResult>',
    '000001648453845DBB78F2340DD460D8',
  ],
  ['<r>\n  <UploadId>\n\t  abc123  \n  </UploadId >\n</r>', 'abc123'],
  [
    '<s3:InitiateMultipartUploadResult xmlns:s3="x"><s3:UploadId>VXBsb2Fk&amp;SUQ=</s3:UploadId></s3:InitiateMultipartUploadResult>',
    'VXBsb2Fk&SUQ=',
  ],
  ['<UploadId id="1"><![CDATA[ u-1 ]]></UploadId>', 'u-1'],
  ['<UploadId></UploadId>', undefined],
  ['<UploadIdMarker>x</UploadIdMarker>', undefined],
  ['<Error><Code>AccessDenied</Code></Error>', undefined],
  ['', undefined],
])('extractUploadId(%j)', (xml, id) => {
  expect(extractUploadId(xml)).toBe(id);
});

test('fingerprintFromHeaders keeps algorithm, key MD5 and dialect, never the key', () => {
  const fp = fingerprintFromHeaders([
    ['X-Obs-Server-Side-Encryption-Customer-Algorithm', 'AES256'],
    ['x-obs-server-side-encryption-customer-key', 'K7QkYpBkM5+hcs27fsNkUnNVaobncnLht/rCB2o/9Cw='],
    ['x-obs-server-side-encryption-customer-key-MD5', '4XvB3tbNTN+tIEVa0/fGaQ=='],
  ]);
  expect(fp).toEqual({ dialect: 'obs', algorithm: 'AES256', keyMd5: '4XvB3tbNTN+tIEVa0/fGaQ==' });
  expect(fingerprintFromHeaders([['x-amz-server-side-encryption-customer-key-md5', 'm']])).toEqual({
    dialect: 's3',
    keyMd5: 'm',
  });
  expect(fingerprintFromHeaders([['x-obs-server-side-encryption', 'kms']])).toBeUndefined();
});

function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('store: bounded by size, least recently used evicted first', () => {
  const c = clock();
  const store = new MemoryUploadSessionStore({ maxEntries: 3, ttlMs: 10_000, now: c.now });
  store.set('a', { keyMd5: 'A' });
  store.set('b', { keyMd5: 'B' });
  store.set('c', { keyMd5: 'C' });
  expect(store.get('a')).toEqual({ keyMd5: 'A' }); // a becomes most recently used
  store.set('d', { keyMd5: 'D' });
  expect(store.size).toBe(3);
  expect(store.get('b')).toBeUndefined();
  expect(store.get('a')).toEqual({ keyMd5: 'A' });
  expect(store.get('c')).toEqual({ keyMd5: 'C' });
  expect(store.get('d')).toEqual({ keyMd5: 'D' });
  // Overwriting does not grow the store.
  store.set('d', { keyMd5: 'D2' });
  expect(store.size).toBe(3);
  expect(store.get('d')).toEqual({ keyMd5: 'D2' });
});

test('store: idle sessions expire; use refreshes the TTL', () => {
  const c = clock();
  const store = new MemoryUploadSessionStore({ ttlMs: 1_000, now: c.now });
  store.set('a', { algorithm: 'AES256' });
  store.set('b', { algorithm: 'AES256' });
  c.advance(900);
  expect(store.get('a')).toEqual({ algorithm: 'AES256' });
  c.advance(900); // b idle for 1800 ms, a for 900 ms
  expect(store.get('b')).toBeUndefined();
  expect(store.get('a')).toEqual({ algorithm: 'AES256' });
  c.advance(1_000); // exactly the TTL: expired
  expect(store.get('a')).toBeUndefined();
  expect(store.size).toBe(0);
});

test('store: expired sessions are purged on write, not only on read', () => {
  const c = clock();
  const store = new MemoryUploadSessionStore({ ttlMs: 100, now: c.now });
  for (let i = 0; i < 50; i++) store.set(`old${i}`, {});
  c.advance(101);
  store.set('new', {});
  expect(store.size).toBe(1);
});

test('store: keeps only the fingerprint fields and hands out copies', () => {
  const store = new MemoryUploadSessionStore();
  const withKey = { algorithm: 'AES256', keyMd5: 'm', key: 'SECRET' } as {
    algorithm: string;
    keyMd5: string;
  };
  store.set('u', withKey);
  const got = store.get('u');
  expect(got).toEqual({ algorithm: 'AES256', keyMd5: 'm' });
  expect(JSON.stringify(got)).not.toContain('SECRET');
  got!.keyMd5 = 'changed';
  expect(store.get('u')?.keyMd5).toBe('m');
  expect(store.delete('u')).toBe(true);
  expect(store.get('u')).toBeUndefined();
  expect(store.delete('u')).toBe(false);
});
