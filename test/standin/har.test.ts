import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HarEntry } from '../../src/har/types';
import {
  HarWriter,
  MAX_HAR_TEXT_BYTES,
  redactHarEntry,
  toHarEntry,
  type HarExchange,
} from '../../src/har/writer';
import { REDACTED } from '../../src/redact';
import { harProblems } from '../support/har';
import { TEST_CUSTOMER_KEY, TEST_CUSTOMER_KEY_MD5 } from '../support/sdk';

const KEY = TEST_CUSTOMER_KEY.toString('base64');

function exchange(overrides: Partial<HarExchange> = {}): HarExchange {
  return {
    startedDateTime: new Date('2025-01-02T03:04:05.678Z'),
    method: 'POST',
    url: `http://bkt.localhost:9000/big.bin?uploads&Signature=sig&x-obs-server-side-encryption-customer-key=${encodeURIComponent(KEY)}`,
    requestHeaders: [
      ['Host', 'bkt.localhost:9000'],
      ['Authorization', 'OBS AK:signature'],
      ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
      ['x-obs-server-side-encryption-customer-key', KEY],
      ['x-obs-server-side-encryption-customer-key-MD5', TEST_CUSTOMER_KEY_MD5],
    ],
    status: 200,
    statusText: 'OK',
    responseHeaders: [
      ['Content-Type', 'application/xml'],
      ['Content-Length', '120'],
      ['x-obs-server-side-encryption-customer-key-MD5', TEST_CUSTOMER_KEY_MD5],
    ],
    responseBodyText:
      '<InitiateMultipartUploadResult><UploadId>UP1</UploadId></InitiateMultipartUploadResult>',
    timings: { send: 1, wait: 2.5, receive: 0.5 },
    ...overrides,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'har-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('toHarEntry', () => {
  it('builds a valid HAR 1.2 entry with every secret redacted', () => {
    const entry = toHarEntry(exchange());
    expect(
      harProblems({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [entry] } }),
    ).toEqual([]);
    expect(JSON.stringify(entry)).not.toContain(KEY);
    expect(JSON.stringify(entry)).not.toContain(encodeURIComponent(KEY));
    expect(entry.startedDateTime).toBe('2025-01-02T03:04:05.678Z');
    expect(entry.time).toBe(4);
    expect(entry.request.headers).toContainEqual({ name: 'Authorization', value: REDACTED });
    expect(entry.request.headers).toContainEqual({
      name: 'x-obs-server-side-encryption-customer-key',
      value: REDACTED,
    });
    expect(entry.request.headers).toContainEqual({
      name: 'x-obs-server-side-encryption-customer-key-MD5',
      value: TEST_CUSTOMER_KEY_MD5,
    });
    expect(entry.request.queryString).toEqual([
      { name: 'uploads', value: '' },
      { name: 'Signature', value: REDACTED },
      { name: 'x-obs-server-side-encryption-customer-key', value: REDACTED },
    ]);
    expect(entry.request.url).toBe(
      'http://bkt.localhost:9000/big.bin?uploads&Signature=%5BREDACTED%5D&x-obs-server-side-encryption-customer-key=%5BREDACTED%5D',
    );
    expect(entry.response.content).toEqual({
      size: 120,
      mimeType: 'application/xml',
      text: '<InitiateMultipartUploadResult><UploadId>UP1</UploadId></InitiateMultipartUploadResult>',
    });
    expect(entry.request.bodySize).toBe(0);
    expect(entry.request.postData).toBeUndefined();
  });

  it('keeps response text only for small XML bodies, never for data', () => {
    const octets = toHarEntry(
      exchange({
        responseHeaders: [['Content-Type', 'application/octet-stream']],
        responseBodyText: 'object data',
      }),
    );
    expect(octets.response.content.text).toBeUndefined();
    const big = toHarEntry(exchange({ responseBodyText: `<a>${'x'.repeat(MAX_HAR_TEXT_BYTES)}</a>` }));
    expect(big.response.content.text).toBeUndefined();
    const small = toHarEntry(exchange({ responseBodyText: '<Error><Code>InvalidArgument</Code></Error>' }));
    expect(small.response.content.text).toBe('<Error><Code>InvalidArgument</Code></Error>');
  });

  it('records form params and urlencoded text with the key redacted', () => {
    const multipart = toHarEntry(
      exchange({
        requestBody: {
          mimeType: 'multipart/form-data; boundary=x',
          size: 999,
          params: [
            { name: 'key', value: 'a.txt' },
            { name: 'x-obs-server-side-encryption-customer-key', value: KEY },
            { name: 'policy', value: 'eyJleHBpcmF0aW9uIjoi' },
            { name: 'file', fileName: 'a.txt', contentType: 'text/plain' },
          ],
        },
      }),
    );
    expect(multipart.request.bodySize).toBe(999);
    expect(multipart.request.postData).toEqual({
      mimeType: 'multipart/form-data; boundary=x',
      params: [
        { name: 'key', value: 'a.txt' },
        { name: 'x-obs-server-side-encryption-customer-key', value: REDACTED },
        { name: 'policy', value: REDACTED },
        { name: 'file', fileName: 'a.txt', contentType: 'text/plain' },
      ],
    });
    const urlencoded = toHarEntry(
      exchange({
        requestBody: {
          mimeType: 'application/x-www-form-urlencoded',
          size: 80,
          text: `key=a&x-obs-server-side-encryption-customer-key=${encodeURIComponent(KEY)}`,
        },
      }),
    );
    expect(urlencoded.request.postData?.text).toBe(
      'key=a&x-obs-server-side-encryption-customer-key=%5BREDACTED%5D',
    );
  });

  it('does not let a careless caller put a key into response text', () => {
    const entry = toHarEntry(
      exchange({
        responseBodyText: `<Echo><x-obs-server-side-encryption-customer-key>${KEY}</x-obs-server-side-encryption-customer-key></Echo>`,
      }),
    );
    expect(entry.response.content.text).toBeDefined();
    expect(entry.response.content.text).not.toContain(KEY);
  });
});

describe('redactHarEntry', () => {
  it('redacts an entry built elsewhere and is idempotent', () => {
    const raw: HarEntry = {
      ...toHarEntry(exchange()),
    };
    raw.request.headers.push({ name: 'X-Amz-Security-Token', value: 'token' });
    raw.request.url = `http://h/k?X-Amz-Signature=abc`;
    raw.request.cookies = [{ name: 'session', value: 'secret' }];
    const once = redactHarEntry(raw);
    expect(once.request.headers).toContainEqual({ name: 'X-Amz-Security-Token', value: REDACTED });
    expect(once.request.url).toBe('http://h/k?X-Amz-Signature=%5BREDACTED%5D');
    expect(once.request.cookies).toEqual([{ name: 'session', value: REDACTED }]);
    expect(redactHarEntry(once)).toEqual(once);
  });
});

describe('HarWriter', () => {
  it('streams entries to disk as they are added and closes the JSON on close()', async () => {
    const file = join(dir, 'session.har');
    const writer = await HarWriter.open(file, { comment: 'test' });
    const sizes: number[] = [statSync(file).size];
    for (let i = 0; i < 3; i++) {
      await writer.add(toHarEntry(exchange({ url: `http://bkt.localhost/o${i}` })));
      sizes.push(statSync(file).size);
    }
    // Each entry reached the file before close(): nothing is held back in memory.
    expect(sizes[1]).toBeGreaterThan(sizes[0] as number);
    expect(sizes[3]).toBeGreaterThan(sizes[2] as number);
    expect(() => JSON.parse(readFileSync(file, 'utf8'))).toThrow();
    expect(writer.entryCount).toBe(3);
    await writer.close();
    await writer.close();
    const text = readFileSync(file, 'utf8');
    const har = JSON.parse(text) as {
      log: { entries: HarEntry[]; comment: string; creator: { name: string } };
    };
    expect(harProblems(har)).toEqual([]);
    expect(har.log.entries.map((e) => e.request.url)).toEqual([
      'http://bkt.localhost/o0',
      'http://bkt.localhost/o1',
      'http://bkt.localhost/o2',
    ]);
    expect(har.log.comment).toBe('test');
    expect(har.log.creator.name).toBe('obs-sse-rules');
    expect(text).not.toContain(KEY);
  });

  it('writes a valid empty log when nothing was added', async () => {
    const file = join(dir, 'empty.har');
    const writer = await HarWriter.open(file);
    await writer.close();
    const har = JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: unknown[] } };
    expect(harProblems(har)).toEqual([]);
    expect(har.log.entries).toEqual([]);
  });

  it('redacts entries it is given raw, and refuses entries after close', async () => {
    const file = join(dir, 'raw.har');
    const writer = await HarWriter.open(file);
    const raw = toHarEntry(exchange());
    raw.request.headers.push({ name: 'x-amz-server-side-encryption-customer-key', value: KEY });
    await writer.addExchange(exchange());
    await writer.add(raw);
    await writer.close();
    await expect(writer.add(raw)).rejects.toThrow(/after close/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(KEY);
    expect((JSON.parse(text) as { log: { entries: unknown[] } }).log.entries).toHaveLength(2);
  });

  it('rejects open() for a path it cannot create', async () => {
    await expect(HarWriter.open(join(dir, 'missing', 'x.har'))).rejects.toThrow(/ENOENT/);
  });
});
