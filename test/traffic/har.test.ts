import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { Exchange, TrafficItem } from '../../src/traffic/exchange';
import { harEntryToExchange, readHar } from '../../src/traffic/har';
import { chunked, collect, cutAt } from './helpers';

const FIXTURE = path.join(__dirname, '../fixtures/traffic/sample.har');
const data = readFileSync(FIXTURE);
const text = data.toString('utf8');

/** 1-based line and byte column of a byte offset, the way the reader reports positions. */
function lineCol(buf: Buffer, offset: number): { line: number; column: number; offset: number } {
  const before = buf.subarray(0, offset);
  const line = before.toString('latin1').split('\n').length;
  const lastNl = before.lastIndexOf(10);
  return { line, column: offset - lastNl, offset };
}

function exchanges(items: TrafficItem[]): Exchange[] {
  return items.flatMap((i) => (i.kind === 'exchange' ? [i.exchange] : []));
}

test('reads the fixture', async () => {
  const items = await collect(readHar(createReadStream(FIXTURE)));
  expect(items.every((i) => i.kind === 'exchange')).toBe(true);
  const ex = exchanges(items);
  expect(ex.map((e) => e.entry)).toEqual([0, 1, 2, 3, 4]);
  expect(ex[0]).toEqual({
    entry: 0,
    method: 'PUT',
    url: 'https://photos.obs.cn-north-4.myhuaweicloud.com/2024/cat%20%C3%A9.jpg',
    requestHeaders: [
      ['Host', 'photos.obs.cn-north-4.myhuaweicloud.com'],
      ['x-obs-server-side-encryption', 'kms'],
      ['x-obs-meta-a', '1'],
      ['x-obs-meta-a', '2'],
    ],
    status: 200,
    responseHeaders: [
      ['x-obs-server-side-encryption', 'kms'],
      ['ETag', '"abc"'],
    ],
    responseText: '',
    startedDateTime: '2024-05-01T10:00:00.000Z',
  });
  expect(ex[1]?.postData).toEqual({
    mimeType: 'multipart/form-data; boundary=xyz',
    params: [
      { name: 'key', value: 'a.txt' },
      { name: 'x-obs-server-side-encryption', value: 'AES256' },
      { name: 'file', fileName: 'a.txt', contentType: 'text/plain', value: 'FILE BYTES' },
    ],
  });
  expect(ex[2]?.postData?.text).toContain('name="X-Obs-Server-Side-Encryption"\r\n\r\nkms\r\n');
  expect(ex[3]?.responseText).toContain('<UploadId>\n    000001648453845DBB78F2340DD460D8\n  </UploadId>');
  // Status 0: no response was received, so none is reported.
  expect(ex[4]).not.toHaveProperty('status');
  expect(ex[4]).not.toHaveProperty('responseHeaders');
});

test('matches JSON.parse of the whole file under any chunking', async () => {
  const doc = JSON.parse(text) as { log: { entries: unknown[] } };
  const expected = doc.log.entries.map((e, i) => ({ kind: 'exchange', exchange: harEntryToExchange(e, i) }));
  expect(await collect(readHar(chunked(data, data.length)))).toEqual(expected);
  expect(await collect(readHar(chunked(data, 1)))).toEqual(expected);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: data.length - 1 }), { maxLength: 20 }),
      async (cuts) => {
        expect(await collect(readHar(cutAt(data, cuts)))).toEqual(expected);
      },
    ),
    { numRuns: 60 },
  );
});

test('a truncated HAR yields the entries before the cut, then an error at the end of input', async () => {
  const third = text.indexOf('"startedDateTime": "2024-05-01T10:00:02');
  const cut = Buffer.byteLength(text.slice(0, third + 50));
  const truncated = data.subarray(0, cut);
  for (const size of [1, 333, cut]) {
    const items = await collect(readHar(chunked(truncated, size)));
    expect(items.map((i) => i.kind)).toEqual(['exchange', 'exchange', 'error']);
    expect(items[2]).toEqual({
      kind: 'error',
      entry: 2,
      position: lineCol(truncated, cut),
      message: 'entry 2: unexpected end of input inside the entry; the HAR is truncated',
    });
  }
  // Cut between entries: still named by position.
  const between = Buffer.byteLength(text.slice(0, text.indexOf('{', third - 30) - 1));
  const items = await collect(readHar(chunked(data.subarray(0, between), 100)));
  expect(items.map((i) => i.kind)).toEqual(['exchange', 'exchange', 'error']);
  expect(items[2]).toMatchObject({ position: lineCol(data, between) });
  expect((items[2] as { message: string }).message).toContain('the HAR is truncated');
});

test('a syntax error inside an entry names its line and column, after the earlier entries', async () => {
  const at = text.indexOf('"bodySize": 300');
  const broken = Buffer.from(`${text.slice(0, at)}"bodySize": 300,,${text.slice(at + 15)}`);
  const errOffset = Buffer.byteLength(text.slice(0, at)) + '"bodySize": 300,'.length;
  expect(String.fromCharCode(broken[errOffset]!)).toBe(',');
  for (const size of [1, 64, broken.length]) {
    const items = await collect(readHar(chunked(broken, size)));
    expect(items.map((i) => i.kind)).toEqual(['exchange', 'exchange', 'exchange', 'error']);
    const pos = lineCol(broken, errOffset);
    expect(items[3]).toEqual({
      kind: 'error',
      entry: 3,
      position: pos,
      message: `entry 3: invalid JSON at line ${pos.line}, column ${pos.column}: unexpected ',', expected a property name in double quotes`,
    });
  }
});

test.each([
  ['{"log": {"version": "1.2" "entries": []}}', 26, `unexpected '"', expected ',' or '}'`],
  ['{"log": {"entries": [], }}', 24, `unexpected '}', expected a property name in double quotes`],
  ['{"log": {"entries": {}}}', 20, '"log.entries" must be an array'],
  ['{"log": []}', 8, '"log" must be an object'],
  ['[{"log": {}}]', 0, `not a HAR file: expected '{'`],
  ['{"log": {"version": tru, "entries": []}}', 20, "invalid literal 'tru'"],
  ['{"log": {"entries": []}} x', 25, "unexpected 'x' after the end of the HAR object"],
  ['{"log": {"creator": "a\u0001", "entries": []}}', 22, 'byte 0x01 inside a string'],
  ['{"log": {"version": "1.2"}}', 0, 'not a HAR 1.2 file: there is no log.entries array'],
  ['   ', 3, 'the input is empty'],
])('structural error in %j', async (input, offset, message) => {
  for (const size of [1, 1000]) {
    const items = await collect(readHar(chunked(input, size)));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'error', position: { offset, line: 1, column: offset + 1 } });
    expect((items[0] as { message: string }).message).toContain(message);
  }
});

test('errors outside entries come after the entries before them; positions count lines', async () => {
  const input =
    '{\n  "log": {\n    "entries": [\n      {"request": {"method": "GET", "url": "/a"}}\n    ]\n    "x": 1\n  }\n}';
  const items = await collect(readHar(chunked(input, 5)));
  expect(items.map((i) => i.kind)).toEqual(['exchange', 'error']);
  expect(items[1]).toMatchObject({ position: { line: 6, column: 5 } });
});

test('non-object and unusable entries are reported and reading continues', async () => {
  const input = JSON.stringify({
    log: {
      entries: [
        1,
        { request: { url: '/x' } },
        [],
        { request: { method: 'GET', url: '/ok', headers: [] } },
        'str',
      ],
    },
  });
  for (const size of [1, 7, input.length]) {
    const items = await collect(readHar(chunked(input, size)));
    expect(items.map((i) => (i.kind === 'error' ? `error@${i.entry}` : i.exchange.entry))).toEqual([
      'error@0',
      'error@1',
      'error@2',
      3,
      'error@4',
    ]);
    expect((items[0] as { message: string }).message).toBe('entry 0: the entry is not an object');
    expect(items[0]).toMatchObject({ position: { line: 1, offset: input.indexOf('[1,') + 1 } });
    expect(items[4]).toMatchObject({ position: { column: input.indexOf('"str"') + 1 } });
    expect((items[1] as { message: string }).message).toBe(
      'entry 1: "request.method" must be a non-empty string',
    );
    expect(items[1]).toMatchObject({ position: { offset: input.indexOf('{"request"') } });
  }
});

test('a byte-order mark and unknown members are accepted', async () => {
  const input = `\uFEFF{"comment": {"log": 1}, "log": {"pages": [{"entries": [1]}], "entries": [{"request": {"method": "GET", "url": "/a", "headers": []}}]}}`;
  const items = await collect(readHar(chunked(input, 2)));
  expect(items).toEqual([
    { kind: 'exchange', exchange: { entry: 0, method: 'GET', url: '/a', requestHeaders: [] } },
  ]);
});

test('response text: small kept, large dropped, base64 decoded', async () => {
  const entry = (content: object): object => ({
    request: { method: 'POST', url: '/b/k?uploads', headers: [] },
    response: { status: 200, headers: [], content },
  });
  const xml = '<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>';
  const input = JSON.stringify({
    log: {
      entries: [
        entry({ text: xml }),
        entry({ text: Buffer.from(xml).toString('base64'), encoding: 'base64' }),
        entry({ text: 'x'.repeat(2000) }),
      ],
    },
  });
  const ex = exchanges(await collect(readHar(chunked(input, 100), { maxResponseText: 1000 })));
  expect(ex.map((e) => e.responseText)).toEqual([xml, xml, undefined]);
});

// Strings that stress the scanner: quotes, backslashes, \u escapes and multi-byte characters.
const nasty = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    '"',
    '\\',
    '\\"',
    '\n',
    '\u0001',
    'é',
    '€',
    '😀',
    'u',
    '0',
    '}',
    '{',
    '[',
    ']',
    ',',
  ),
  maxLength: 120,
});

function harOf(values: string[]): Buffer {
  const entries = values.map((v, i) => ({
    request: { method: 'PUT', url: `/b/${v}`, headers: [{ name: `h${i}`, value: v }] },
    response: { status: 200, headers: [], content: { text: v } },
  }));
  return Buffer.from(JSON.stringify({ log: { version: '1.2', entries } }, null, 1));
}

test('escapes and multi-byte characters split across chunks (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(nasty, { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 40 }),
      async (values, size) => {
        const buf = harOf(values);
        const items = await collect(readHar(chunked(buf, size)));
        const doc = JSON.parse(buf.toString('utf8')) as { log: { entries: unknown[] } };
        expect(items).toEqual(
          doc.log.entries.map((e, i) => ({ kind: 'exchange', exchange: harEntryToExchange(e, i) })),
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('long strings are shortened to a prefix without breaking escapes (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(nasty, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 16, max: 80 }),
      async (values, size, maxStringBytes) => {
        const buf = harOf(values);
        const items = await collect(readHar(chunked(buf, size), { maxStringBytes }));
        expect(items.map((i) => i.kind)).toEqual(values.map(() => 'exchange'));
        exchanges(items).forEach((ex, i) => {
          const v = values[i]!;
          const got = ex.requestHeaders[0]![1];
          expect(v.startsWith(got)).toBe(true);
          expect(`/b/${v}`.startsWith(ex.url)).toBe(true);
          const encoded = Buffer.byteLength(JSON.stringify(v)) - 2;
          // Strings within the limit are untouched; the flag says whether anything was shortened.
          if (encoded <= maxStringBytes) expect(got).toBe(v);
          expect(ex.truncated === true).toBe(got !== v || ex.url !== `/b/${v}` || ex.responseText !== v);
        });
      },
    ),
    { numRuns: 300 },
  );
});

test('a shortened multipart body still yields the fields before the file', async () => {
  const body = `--B\r\nContent-Disposition: form-data; name="x-obs-server-side-encryption"\r\n\r\nkms\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n${'Z'.repeat(100_000)}\r\n--B--\r\n`;
  const input = JSON.stringify({
    log: {
      entries: [
        {
          request: {
            method: 'POST',
            url: '/b',
            headers: [],
            postData: { mimeType: 'multipart/form-data; boundary=B', text: body },
          },
        },
      ],
    },
  });
  const [item] = await collect(readHar(chunked(input, 4096), { maxStringBytes: 1024 }));
  expect(item).toMatchObject({ kind: 'exchange', exchange: { truncated: true } });
  const t = (item as { exchange: Exchange }).exchange.postData?.text ?? '';
  expect(t.length).toBeLessThan(1024 + 4096);
  expect(body.startsWith(t)).toBe(true);
});

test('an entry larger than maxEntryBytes is reported and skipped', async () => {
  const big = {
    request: {
      method: 'GET',
      url: '/big',
      headers: Array.from({ length: 200 }, (_, i) => ({ name: `h${i}`, value: 'v' })),
    },
  };
  const small = { request: { method: 'GET', url: '/small', headers: [] } };
  const input = JSON.stringify({ log: { entries: [small, big, small] } });
  const items = await collect(readHar(chunked(input, 256), { maxEntryBytes: 1024 }));
  expect(items.map((i) => (i.kind === 'error' ? `error@${i.entry}` : i.exchange.url))).toEqual([
    '/small',
    'error@1',
    '/small',
  ]);
  expect((items[1] as { message: string }).message).toContain('entry 1: larger than 1024 bytes');
});

test('reading stops at a fatal error: the rest of the source is not pulled', async () => {
  let pulled = 0;
  let returned = false;
  async function* source(): AsyncGenerator<Buffer> {
    try {
      yield Buffer.from('{"log": {"entries": [{"request": {"method": "GET", "url": "/a"}} !');
      for (;;) {
        pulled++;
        yield Buffer.from(' ');
      }
    } finally {
      returned = true;
    }
  }
  const items = await collect(readHar(source()));
  expect(items.map((i) => i.kind)).toEqual(['exchange', 'error']);
  expect(pulled).toBe(0);
  expect(returned).toBe(true);
});

test('error columns stay byte-exact when an entry holds invalid UTF-8', async () => {
  const input = Buffer.concat([
    Buffer.from('{"log": {"entries": [\n {"request": {"method": "GET", "url": "'),
    Buffer.from([0xc3, 0xff]),
    Buffer.from('"}, ]}\n]}}'),
  ]);
  const at = input.indexOf(', ]') + 2;
  const items = await collect(readHar(chunked(input, 3)));
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({
    entry: 0,
    position: { line: 2, column: at - input.indexOf('\n'), offset: at },
  });
  expect(input[at]).toBe(']'.charCodeAt(0));
});
