import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { NDJSON_SHAPE, NdjsonSplitter, readNdjson } from '../../src/traffic/ndjson';
import type { TrafficItem } from '../../src/traffic';
import { chunked, collect, cutAt } from './helpers';

const FIXTURE = path.join(__dirname, '../fixtures/traffic/sample.ndjson');

test('reads the fixture: array-valued headers, pairs, a blank line, a bad line in the middle', async () => {
  const items = await collect(readNdjson(createReadStream(FIXTURE)));
  expect(items.map((i) => (i.kind === 'exchange' ? i.exchange.entry : `error@${i.entry}`))).toEqual([
    0,
    2,
    'error@3',
    'error@4',
    5,
  ]);
  expect(items[0]).toEqual({
    kind: 'exchange',
    exchange: {
      entry: 0,
      method: 'PUT',
      url: 'https://photos.obs.cn-north-4.myhuaweicloud.com/a.txt',
      requestHeaders: [
        ['x-obs-server-side-encryption', 'kms'],
        ['x-obs-meta-tags', 'red'],
        ['x-obs-meta-tags', 'blue'],
        ['content-length', '12'],
      ],
      status: 200,
      responseHeaders: [['x-obs-server-side-encryption', 'kms']],
    },
  });
  expect(items[1]).toMatchObject({
    exchange: {
      entry: 2,
      requestHeaders: [
        ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
        ['Range', 'bytes=0-1'],
      ],
    },
  });
  expect(items[1]).not.toHaveProperty('exchange.status');

  // Line 4 is `{…"kms",}}`: the error points at the '}' after the trailing comma.
  const text = readFileSync(FIXTURE, 'utf8');
  const lines = text.split('\n');
  const bad = lines[3]!;
  const lineOffset = lines.slice(0, 3).join('\n').length + 1;
  const column = bad.indexOf(',}') + 2;
  expect(items[2]).toEqual({
    kind: 'error',
    entry: 3,
    position: { line: 4, column, offset: lineOffset + column - 1 },
    message: expect.stringContaining(`line 4, column ${column}: invalid JSON: unexpected '}'`),
  });
  expect(text[lineOffset + column - 1]).toBe('}');
  // A shape error says what is wrong and what is expected.
  expect(items[3]).toMatchObject({ kind: 'error', entry: 4, position: { line: 5, column: 1 } });
  const msg = (items[3] as { message: string }).message;
  expect(msg).toContain('line 5: "requestHeaders" is missing');
  expect(msg).toContain(NDJSON_SHAPE);
});

test('every chunking gives the same items', async () => {
  const data = readFileSync(FIXTURE);
  const whole = await collect(readNdjson(chunked(data, data.length)));
  for (const size of [1, 2, 3, 7, 64]) {
    expect(await collect(readNdjson(chunked(data, size)))).toEqual(whole);
  }
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: data.length - 1 }), { maxLength: 12 }),
      async (cuts) => {
        expect(await collect(readNdjson(cutAt(data, cuts)))).toEqual(whole);
      },
    ),
    { numRuns: 100 },
  );
});

test('offsets and columns count bytes across multi-byte characters and chunk boundaries', async () => {
  const good = JSON.stringify({ method: 'PUT', url: 'https://h/é€😀', requestHeaders: { 'x-a': 'ü' } });
  const bad = '{"method":"PUT","url":"é",,}';
  const data = Buffer.from(`${good}\n${good}\n${bad}\n${good}`);
  const offset = Buffer.byteLength(`${good}\n${good}\n`) + Buffer.byteLength('{"method":"PUT","url":"é",');
  for (const size of [1, 5, data.length]) {
    const items = await collect(readNdjson(chunked(data, size)));
    expect(items.map((i) => i.kind)).toEqual(['exchange', 'exchange', 'error', 'exchange']);
    expect(items[0]).toMatchObject({ exchange: { url: 'https://h/é€😀', requestHeaders: [['x-a', 'ü']] } });
    expect(items[2]).toMatchObject({
      entry: 2,
      position: { line: 3, column: Buffer.byteLength('{"method":"PUT","url":"é",') + 1, offset },
    });
    expect(data[offset]).toBe(','.charCodeAt(0));
    expect(items[3]).toMatchObject({ exchange: { entry: 3 } });
  }
});

test('CRLF line ends, a byte-order mark, whitespace-only lines and a last line without newline', async () => {
  const line = (url: string): string => JSON.stringify({ method: 'GET', url, requestHeaders: [] });
  const data = `\uFEFF${line('/a')}\r\n   \r\n\r\n${line('/b')}\r\n\t\n${line('/c')}`;
  for (const size of [1, 4, 1000]) {
    const items = await collect(readNdjson(chunked(data, size)));
    expect(items).toEqual([
      { kind: 'exchange', exchange: { entry: 0, method: 'GET', url: '/a', requestHeaders: [] } },
      { kind: 'exchange', exchange: { entry: 3, method: 'GET', url: '/b', requestHeaders: [] } },
      { kind: 'exchange', exchange: { entry: 5, method: 'GET', url: '/c', requestHeaders: [] } },
    ]);
  }
});

test.each([
  ['[1,2]', 'the line is an array, not an object'],
  ['"text"', 'the line is string, not an object'],
  ['{"url":"/a","requestHeaders":{}}', '"method" must be a non-empty string'],
  ['{"method":"GET","requestHeaders":{}}', '"url" must be a non-empty string'],
  [
    '{"method":"GET","url":"/a","requestHeaders":"x: y"}',
    'requestHeaders must be an object of header values',
  ],
  ['{"method":"GET","url":"/a","requestHeaders":{"x":{"y":1}}}', 'requestHeaders["x"] must be a string'],
  ['{"method":"GET","url":"/a","requestHeaders":[["x"]]}', 'requestHeaders[0] must be a [name, value] pair'],
  ['{"method":"GET","url":"/a","requestHeaders":{},"status":"200"}', '"status" must be an integer'],
  [
    '{"method":"GET","url":"/a","requestHeaders":{},"responseHeaders":5}',
    'responseHeaders must be an object',
  ],
])('shape error for %s', async (line, message) => {
  const items = await collect(readNdjson(chunked(`${line}\n`, 1000)));
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ kind: 'error', entry: 0, position: { line: 1, column: 1, offset: 0 } });
  expect((items[0] as { message: string }).message).toContain(`line 1: ${message}`);
});

test('optional fields: null header values are dropped, postData and responseText are kept', async () => {
  const line = JSON.stringify({
    method: 'POST',
    url: '/b',
    requestHeaders: { a: null, b: 1, c: [2, 'x'] },
    responseHeaders: null,
    postData: { mimeType: 'multipart/form-data; boundary=z', text: '--z--' },
    responseText: '<x/>',
    startedDateTime: '2024-01-01T00:00:00Z',
  });
  const [item] = await collect(readNdjson(chunked(line, 7)));
  expect(item).toEqual({
    kind: 'exchange',
    exchange: {
      entry: 0,
      method: 'POST',
      url: '/b',
      requestHeaders: [
        ['b', '1'],
        ['c', '2'],
        ['c', 'x'],
      ],
      postData: { mimeType: 'multipart/form-data; boundary=z', text: '--z--' },
      responseText: '<x/>',
      startedDateTime: '2024-01-01T00:00:00Z',
    },
  });
});

test('a line longer than maxLineBytes is reported and skipped without stopping', async () => {
  const ok = JSON.stringify({ method: 'GET', url: '/ok', requestHeaders: {} });
  const long = JSON.stringify({ method: 'GET', url: `/${'x'.repeat(500)}`, requestHeaders: {} });
  const data = `${ok}\n${long}\n${ok}\n`;
  // Spanning chunks, and whole within one chunk (measured there too).
  for (const size of [16, 100, data.length]) {
    const items = await collect(readNdjson(chunked(data, size), { maxLineBytes: 200 }));
    expect(items.map((i) => i.kind)).toEqual(['exchange', 'error', 'exchange']);
    expect(items[1]).toMatchObject({ entry: 1, position: { line: 2, offset: ok.length + 1 } });
    expect((items[1] as { message: string }).message).toBe('line 2: longer than 200 bytes; skipped');
    expect(items[2]).toMatchObject({ exchange: { entry: 2, url: '/ok' } });
  }
});

test('stopAtLongLine: a line over the bound ends the reading, whether it spans chunks or not', () => {
  const ok = JSON.stringify({ method: 'GET', url: '/ok', requestHeaders: {} });
  const long = JSON.stringify({ method: 'GET', url: `/${'x'.repeat(500)}`, requestHeaders: {} });
  const data = Buffer.from(`${ok}\n${long}\n${ok}\n`);
  for (const size of [16, 100, data.length]) {
    const splitter = new NdjsonSplitter({ maxLineBytes: 200, stopAtLongLine: true });
    const out: TrafficItem[] = [];
    const answers: boolean[] = [];
    for (let at = 0; at < data.length; at += size)
      answers.push(splitter.push(data.subarray(at, at + size), out));
    splitter.end(out);
    expect(out.map((i) => i.kind)).toEqual(['exchange', 'error']);
    expect((out[1] as { message: string }).message).toBe(
      'line 2: longer than 200 bytes; the rest of the input is not read',
    );
    expect(answers[answers.length - 1]).toBe(false);
    // Nothing is read after it, not even a complete line.
    expect(splitter.push(Buffer.from(`${ok}\n`), out)).toBe(false);
    expect(out).toHaveLength(2);
  }
});

test('accepts string chunks (a stream with setEncoding)', async () => {
  async function* strings(): AsyncGenerator<string> {
    yield '{"method":"GET","url":"/é","reque';
    yield 'stHeaders":{}}\n';
  }
  expect(await collect(readNdjson(strings()))).toEqual([
    { kind: 'exchange', exchange: { entry: 0, method: 'GET', url: '/é', requestHeaders: [] } },
  ]);
});

test('columns stay byte-exact when a line holds invalid UTF-8', async () => {
  const bad = Buffer.concat([
    Buffer.from('{"method":"GET","url":"'),
    Buffer.from([0x80, 0xff]),
    Buffer.from('",,}'),
  ]);
  const good = Buffer.from('{"method":"GET","url":"/","requestHeaders":{}}\n');
  const data = Buffer.concat([good, bad, Buffer.from('\n'), good]);
  const comma = good.length + bad.indexOf(',,') + 1;
  for (const size of [1, 9, data.length]) {
    const items = await collect(readNdjson(chunked(data, size)));
    expect(items.map((i) => i.kind)).toEqual(['exchange', 'error', 'exchange']);
    expect(items[1]).toMatchObject({ position: { line: 2, column: comma - good.length + 1, offset: comma } });
    expect(data[comma]).toBe(','.charCodeAt(0));
  }
});
