/**
 * Compressed and archived recordings, told by magic bytes: gzip, zlib (.zhar) and zip (Playwright's
 * har.har), from files and from stdin, and every way they can be broken or hostile.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import * as yazl from 'yazl';
import { fileInput, lint, streamInput, type LintResult } from '../../src/lint';
import { sniffContainer } from '../../src/traffic/container';
import { H } from '../helpers';

const HOST = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
const HAR = JSON.stringify({
  log: {
    version: '1.2',
    creator: { name: 't', version: '1' },
    entries: [
      {
        request: { method: 'PUT', url: `${HOST}/a.bin`, headers: [{ name: H.sse, value: 'KMS' }] },
        response: { status: 200, headers: [] },
      },
    ],
  },
});
const NDJSON = `${JSON.stringify({ method: 'PUT', url: `${HOST}/a.bin`, requestHeaders: { [H.sse]: 'KMS' } })}\n`;

/** A HAR padded with `n` bytes of whitespace: compresses about 1000:1, and is valid all the way. */
const paddedHar = (n: number): Buffer =>
  Buffer.concat([Buffer.from('{"log":{"entries":['), Buffer.alloc(n, 0x20), Buffer.from(']}}')]);

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'obs-sse-container-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zipOf(entries: [name: string, data: Buffer | string][], compress = true): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of entries) z.addBuffer(Buffer.from(data), name, { compress });
  z.end();
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (c: Buffer) => parts.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    z.outputStream.on('error', reject);
  });
}

/** Lints `data` twice: as a file with an unhelpful name, and from stdin. Both must agree. */
async function both(data: Buffer, name = 'capture.bin'): Promise<LintResult[]> {
  const p = join(dir, name);
  writeFileSync(p, data);
  const fromFile = await lint([fileInput(p, name)]);
  const fromStdin = await lint([streamInput(Readable.from([data.subarray(0, 3), data.subarray(3)]))]);
  return [fromFile, fromStdin];
}

const errorsOf = (r: LintResult): string[] => r.inputErrors.map((e) => e.message);

test.each([
  ['gzip', gzipSync('{}')],
  ['zlib', deflateSync('{}')],
  ['zip', Buffer.from('PK\u0003\u0004')],
  [undefined, Buffer.from('{"log":{}}')],
  [undefined, Buffer.from('[{"a":1}]')],
  [undefined, Buffer.from('  \n{"method":"GET"}')],
  [undefined, Buffer.from('xx')],
])('sniffContainer tells %s', (kind, bytes) => {
  expect(sniffContainer(bytes)).toBe(kind);
});

describe.each([
  ['gzip HAR', () => Promise.resolve(gzipSync(HAR)), 'gzip', 'har'],
  ['gzip NDJSON', () => Promise.resolve(gzipSync(NDJSON)), 'gzip', 'ndjson'],
  ['zlib HAR (mitmproxy .zhar)', () => Promise.resolve(deflateSync(HAR)), 'zlib', 'har'],
  [
    'Playwright zip',
    () =>
      zipOf([
        ['har.har', HAR],
        ['0a1b2c.dat', Buffer.alloc(100, 1)],
      ]),
    'zip har.har',
    'har',
  ],
  ['zip with one NDJSON', () => zipOf([['logs/x.jsonl', NDJSON]]), 'zip logs/x.jsonl', 'ndjson'],
  [
    'gzip of a stored zip',
    async () => gzipSync(await zipOf([['har.har', HAR]], false)),
    'gzip, zip har.har',
    'har',
  ],
])('%s', (_name, make, container, format) => {
  it('lints the same from a file and from stdin, read by magic bytes', async () => {
    for (const r of await both(await make())) {
      expect(r.inputErrors).toEqual([]);
      expect(r.files[0]).toMatchObject({ format, container, exchanges: 1, errors: 1 });
      expect(r.findings.map((f) => f.code)).toEqual(['value/not-allowed']);
    }
  });
});

describe('containers that cannot be read get an error naming what they are', () => {
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    [
      'a zip archive without a HAR',
      () =>
        zipOf([
          ['a.png', Buffer.alloc(10)],
          ['b.txt', 'hello'],
        ]),
      /a zip archive without a HAR inside \(2 entries: a\.png, b\.txt\)/,
    ],
    ['an empty zip archive', () => zipOf([]), /an empty zip archive/],
    [
      'a zip with two HARs',
      () =>
        zipOf([
          ['a.har', HAR],
          ['b.har', HAR],
        ]),
      /a zip archive with 2 HAR files \(a\.har, b\.har\)/,
    ],
    [
      'a truncated zip',
      async () => (await zipOf([['har.har', HAR]])).subarray(0, 120),
      /a zip archive that cannot be read \(.*central directory/,
    ],
    [
      'a truncated gzip',
      () => Promise.resolve(gzipSync(HAR.repeat(20)).subarray(0, 60)),
      /a gzip stream that is truncated \(unexpected end of file\)/,
    ],
    [
      'a corrupt gzip',
      () => {
        const g = gzipSync(HAR);
        g.fill(0xff, 20, 40);
        return Promise.resolve(g);
      },
      /a gzip stream that is corrupt/,
    ],
    [
      'a truncated zlib',
      () => Promise.resolve(deflateSync(HAR).subarray(0, 30)),
      /a zlib stream \(\.zhar\) that is truncated/,
    ],
    [
      'a gzip bomb',
      () => Promise.resolve(gzipSync(paddedHar(64 * 1024 * 1024))),
      /a gzip stream expands more than 1000:1 .*likely decompression bomb/,
    ],
    [
      'a zip bomb',
      () => zipOf([['har.har', paddedHar(64 * 1024 * 1024)]]),
      /zip entry har\.har expands more than 1000:1/,
    ],
    [
      'a gzip nested four deep',
      () => Promise.resolve(gzipSync(gzipSync(gzipSync(gzipSync(HAR))))),
      /gzip in gzip in gzip holding yet another gzip container/,
    ],
    ['a bzip2 stream', () => Promise.resolve(Buffer.from('BZh91AY&SY')), /a bzip2 stream.*bzcat/],
  ];
  it.each(cases)('%s', async (_name, make, message) => {
    for (const r of await both(await make())) {
      expect(errorsOf(r)).toEqual([expect.stringMatching(message)]);
      expect(r.summary.exchanges).toBe(0);
    }
  });

  it('names the file in the error', async () => {
    const [r] = await both(await zipOf([['b.txt', 'x']]), 'trace.zip');
    expect(r?.inputErrors[0]).toMatchObject({ file: 'trace.zip' });
  });
});

describe('limits', () => {
  it('refuses a zip with more entries than allowed, before reading any', async () => {
    const many = await zipOf(Array.from({ length: 60 }, (_, i) => [`f${i}.dat`, 'x'] as [string, string]));
    const p = join(dir, 'many.zip');
    writeFileSync(p, many);
    const r = await lint([fileInput(p, 'many.zip')], { containerLimits: { maxZipEntries: 50 } });
    expect(errorsOf(r)).toEqual([
      expect.stringContaining('a zip archive of 60 entries, over the limit of 50'),
    ]);
  });

  it('refuses an entry larger than the size limit, and a stream that grows past it', async () => {
    const big = paddedHar(3 * 1024 * 1024);
    const p = join(dir, 'big.zip');
    writeFileSync(p, await zipOf([['har.har', big]]));
    const opts = { containerLimits: { maxBytes: 1024 * 1024 } };
    expect(errorsOf(await lint([fileInput(p, 'big.zip')], opts))).toEqual([
      expect.stringContaining('zip entry har.har expands beyond 1048576 bytes'),
    ]);
    const g = join(dir, 'big.gz');
    writeFileSync(g, gzipSync(big));
    expect(errorsOf(await lint([fileInput(g, 'big.gz')], opts))).toEqual([
      expect.stringContaining('a gzip stream expands beyond 1048576 bytes'),
    ]);
  });
});
