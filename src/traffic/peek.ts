/**
 * Looking at the first bytes of a byte source without losing them: the readers decide what an input
 * is (a container, a HAR, a log shape) from its start, then read all of it.
 */
import { Readable } from 'node:stream';
import type { ByteSource } from './exchange';

/** A chunk of any byte source as a Buffer, without copying. */
export const asBuffer = (c: Buffer | Uint8Array | string): Buffer =>
  typeof c === 'string'
    ? Buffer.from(c)
    : Buffer.isBuffer(c)
      ? c
      : Buffer.from(c.buffer, c.byteOffset, c.length);

/** The answer of {@link peekUntil}, and a stream that replays the peeked chunks before the rest. */
export interface Peeked<T> {
  result: T;
  stream: Readable;
}

/**
 * Reads chunks of `source` until `decide(prefix, atEnd)` returns something other than undefined, or
 * `maxBytes` were read (then `decide` is asked once more with `atEnd` true). Reading stops as soon as
 * the answer is known, so a slow producer on stdin is not waited on. Destroying the returned stream
 * ends the source.
 */
export async function peekUntil<T>(
  source: ByteSource,
  decide: (prefix: Buffer, atEnd: boolean) => T | undefined,
  maxBytes: number,
): Promise<Peeked<T>> {
  const it = source[Symbol.asyncIterator]();
  const peeked: Buffer[] = [];
  let bytes = 0;
  let ended = false;
  let result: T | undefined;
  for (;;) {
    const r = await it.next();
    if (r.done) ended = true;
    else {
      const chunk = asBuffer(r.value);
      peeked.push(chunk);
      bytes += chunk.length;
    }
    const prefix = Buffer.concat(peeked, bytes);
    result = decide(prefix, ended);
    if (result !== undefined) break;
    if (ended || bytes >= maxBytes) {
      result = decide(prefix, true) as T;
      break;
    }
  }
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* peeked;
      peeked.length = 0;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) {
          ended = true;
          return;
        }
        yield asBuffer(r.value);
      }
    } finally {
      if (!ended) await it.return?.();
    }
  }
  const stream = Readable.from(replay(), { objectMode: false });
  // Destroyed before it was read, the replay never starts and so never ends the source (a zip entry
  // holding a temporary file open): end it here. Ending a source twice is harmless.
  stream.once('close', () => {
    if (!ended) void it.return?.();
  });
  return { result, stream };
}
