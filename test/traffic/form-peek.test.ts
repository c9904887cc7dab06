/**
 * Reading a live form up to its file part: the fields come out, and the stream still yields every
 * byte, whatever the chunking; what cannot be read is named, never guessed.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';

import { FORM_PEEK_LIMIT, peekFormFields, scanFormBytes } from '../../src/traffic/form';

const BOUNDARY = 'b0undary';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function form(fields: Array<[string, string]>, file?: Buffer, after: Array<[string, string]> = []): Buffer {
  const field = ([name, value]: [string, string]): string =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const parts: Buffer[] = [Buffer.from(fields.map(field).join(''))];
  if (file) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      file,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(after.map(field).join('') + `--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

/** A stream that delivers `body` in the given chunks, each in its own turn of the event loop. */
function chunked(body: Buffer, cuts: number[]): Readable {
  const stream = new PassThrough();
  const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  const pieces: Buffer[] = [];
  for (const p of [...points, body.length]) {
    if (p > from) pieces.push(body.subarray(from, p));
    from = Math.max(from, p);
  }
  let i = 0;
  const next = (): void => {
    if (i < pieces.length) {
      stream.write(pieces[i++]);
      setImmediate(next);
    } else stream.end();
  };
  setImmediate(next);
  return stream;
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/).filter((n) => n !== 'file');
const value = fc.string({ maxLength: 200 }).filter((v) => !v.includes(`--${BOUNDARY}`) && !v.includes('\r'));

test('fields before the file part come out, and the stream yields every byte after, however it is cut', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(name, value), { maxLength: 8 }),
      fc.uint8Array({ maxLength: 5000 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (fields, fileBytes, cuts) => {
        const body = form(fields, Buffer.from(fileBytes), [['x-obs-server-side-encryption', 'after']]);
        const stream = chunked(body, cuts);
        const scan = await peekFormFields(stream, TYPE);
        expect(scan).toEqual({ fields: fields.map(([n, v]) => [n, v]) });
        expect(sha(await drain(stream))).toBe(sha(body));
      },
    ),
    { numRuns: 150 },
  );
});

test('a form without a file part is read to its end, and still yields every byte', async () => {
  const body = form([
    ['key', 'a'],
    ['x-obs-server-side-encryption', 'kms'],
  ]);
  const stream = chunked(body, [7, 40]);
  expect(await peekFormFields(stream, TYPE)).toEqual({
    fields: [
      ['key', 'a'],
      ['x-obs-server-side-encryption', 'kms'],
    ],
  });
  expect((await drain(stream)).equals(body)).toBe(true);
});

test('more than the limit before the file part is `limit`, and only about the limit is held', async () => {
  const body = form([['x-obs-meta-pad', 'p'.repeat(FORM_PEEK_LIMIT)]], Buffer.alloc(10));
  const big = Buffer.concat([body, Buffer.alloc(4 * FORM_PEEK_LIMIT)]);
  const stream = new PassThrough({ highWaterMark: 16 * 1024 });
  let written = 0;
  const write = (): void => {
    while (written < big.length) {
      const piece = big.subarray(written, written + 16 * 1024);
      written += piece.length;
      if (!stream.write(piece)) {
        stream.once('drain', write);
        return;
      }
    }
    stream.end();
  };
  write();
  const scan = await peekFormFields(stream, TYPE);
  expect(scan.unread).toBe('limit');
  // Back-pressure holds the writer near the limit while nobody reads: nothing is buffered beyond it.
  expect(written).toBeLessThanOrEqual(FORM_PEEK_LIMIT + 64 * 1024);
  expect((await drain(stream)).equals(big)).toBe(true);
});

test('an empty body is an empty form, with nothing unread, in a stream or in memory', async () => {
  expect(await peekFormFields(chunked(Buffer.alloc(0), []), TYPE)).toEqual({ fields: [] });
  expect(await scanFormBytes('', TYPE)).toEqual({ fields: [] });
});

test('what cannot be read is named: malformed, incomplete, or a stream that breaks off', async () => {
  expect(await peekFormFields(chunked(Buffer.from('x'), []), 'multipart/form-data')).toEqual({
    fields: [],
    unread: 'malformed',
  });
  const whole = form([['key', 'a']], Buffer.alloc(3));
  // Cut inside the file part's head: the field before it is complete, the file part never begins.
  const cut = whole.subarray(0, whole.indexOf('filename'));
  expect(await peekFormFields(chunked(cut, [5]), TYPE)).toEqual({
    fields: [['key', 'a']],
    unread: 'incomplete',
  });
  const broken = new PassThrough();
  broken.write(cut);
  setImmediate(() => broken.destroy(new Error('client went away')));
  expect(await peekFormFields(broken, TYPE)).toEqual({ fields: [['key', 'a']], unread: 'incomplete' });
});

test('an in-memory body is scanned the same way, up to the file part', async () => {
  const body = form([['Key', 'a']], Buffer.from('FILE'), [['x-obs-server-side-encryption', 'after']]);
  expect(await scanFormBytes(body, TYPE)).toEqual({ fields: [['key', 'a']] });
  expect(await scanFormBytes(body.toString('latin1'), TYPE)).toEqual({ fields: [['key', 'a']] });
  expect((await scanFormBytes(body, TYPE, 20)).unread).toBe('limit');
});
