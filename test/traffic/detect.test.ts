import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { detectStream, formatFromFileName, sniffFormat } from '../../src/traffic/detect';
import { readHar } from '../../src/traffic/har';
import { readNdjson } from '../../src/traffic/ndjson';
import { collect } from './helpers';

const HAR = readFileSync(path.join(__dirname, '../fixtures/traffic/sample.har'));
const NDJSON = readFileSync(path.join(__dirname, '../fixtures/traffic/sample.ndjson'));

test.each([
  ['{"log":{"version":"1.2","entries":[]}}', true, 'har'],
  ['{\n  "log": {\n    "version": "1.2"', false, 'har'],
  ['\uFEFF  \r\n{ "log" : {', false, 'har'],
  ['{"method":"GET","url":"/a","requestHeaders":{}}\n', false, 'ndjson'],
  ['{"url":"/a","method":"GET","requestHeaders":{}}', true, 'ndjson'],
  ['{"requestHeaders":{"a":"b"},"method":"GE', false, 'ndjson'],
  ['{"method":"GET",,}\n{"method":"GET"}', false, 'ndjson'],
  ['{\n', false, 'need-more'],
  ['{', true, 'unknown'],
  ['   ', false, 'need-more'],
  ['', true, 'unknown'],
  ['[1,2]', false, 'unknown'],
  ['<html>', false, 'unknown'],
  ['{"foo":1}\n', false, 'unknown'],
])('sniffFormat(%j, atEnd=%s) = %s', (prefix, atEnd, expected) => {
  expect(sniffFormat(prefix, atEnd)).toBe(expected);
  expect(sniffFormat(Buffer.from(prefix), atEnd)).toBe(expected);
});

test('formatFromFileName', () => {
  expect(formatFromFileName('/tmp/Session.HAR')).toBe('har');
  expect(formatFromFileName('log.ndjson')).toBe('ndjson');
  expect(formatFromFileName('log.jsonl')).toBe('ndjson');
  expect(formatFromFileName('log.json')).toBeUndefined();
});

/** A stdin-like stream: a PassThrough fed in small pieces with pauses, as a pipe delivers. */
function trickle(data: Buffer, size: number, endAfter = true): PassThrough {
  const s = new PassThrough();
  let i = 0;
  const next = (): void => {
    if (i >= data.length) {
      if (endAfter) s.end();
      return;
    }
    s.write(data.subarray(i, i + size));
    i += size;
    setImmediate(next);
  };
  setImmediate(next);
  return s;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

test.each([
  ['HAR', HAR, 'har'],
  ['NDJSON', NDJSON, 'ndjson'],
] as const)('detects %s on a trickling stream and replays every byte', async (_, data, format) => {
  for (const size of [1, 3, 100, data.length]) {
    const detected = await detectStream(trickle(data, size));
    expect(detected.format).toBe(format);
    expect((await bytesOf(detected.stream)).equals(data)).toBe(true);
  }
});

test('the replayed stream feeds the matching reader', async () => {
  const har = await detectStream(trickle(HAR, 7));
  const direct = await collect(readHar(Readable.from([HAR])));
  expect(await collect(readHar(har.stream))).toEqual(direct);
  const nd = await detectStream(trickle(NDJSON, 5));
  expect(await collect(readNdjson(nd.stream))).toEqual(await collect(readNdjson(Readable.from([NDJSON]))));
});

test('decides from the first record without waiting for the end of a slow stdin', async () => {
  const line = Buffer.from('{"method":"GET","url":"/a","requestHeaders":{}}\n');
  const s = new PassThrough();
  s.write(line);
  // The stream stays open: detection must not wait for more input.
  const detected = await detectStream(s);
  expect(detected.format).toBe('ndjson');
  const reader = readNdjson(detected.stream)[Symbol.asyncIterator]();
  const first = await reader.next();
  expect(first.value).toMatchObject({ kind: 'exchange', exchange: { url: '/a' } });
  s.end(Buffer.from('{"method":"PUT","url":"/b","requestHeaders":{}}\n'));
  expect((await reader.next()).value).toMatchObject({ kind: 'exchange', exchange: { url: '/b', entry: 1 } });
  expect((await reader.next()).done).toBe(true);
});

test('gives up after maxPeekBytes and still replays everything', async () => {
  const data = Buffer.from(`{${' '.repeat(5000)}`);
  const detected = await detectStream(trickle(data, 1000), { maxPeekBytes: 2048 });
  expect(detected.format).toBeUndefined();
  expect((await bytesOf(detected.stream)).equals(data)).toBe(true);
});

test('an empty stream is unknown and replays nothing', async () => {
  const detected = await detectStream(Readable.from([]));
  expect(detected.format).toBeUndefined();
  expect((await bytesOf(detected.stream)).length).toBe(0);
});

test('a source error reaches the replayed stream', async () => {
  const s = new PassThrough();
  s.write('{"log": {');
  const detected = await detectStream(s);
  expect(detected.format).toBe('har');
  s.destroy(new Error('disk on fire'));
  await expect(bytesOf(detected.stream)).rejects.toThrow('disk on fire');
});
