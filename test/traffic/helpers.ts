import type { TrafficItem } from '../../src/traffic/exchange';

/** Yields `data` in chunks of `size` bytes (the last one shorter), like a slow pipe. */
export async function* chunked(data: Buffer | string, size: number): AsyncGenerator<Buffer> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** Yields `data` cut at the given byte offsets. */
export async function* cutAt(data: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c > prev && c < data.length) {
      yield data.subarray(prev, c);
      prev = c;
    }
  }
  yield data.subarray(prev);
}

export async function collect(gen: AsyncIterable<TrafficItem>): Promise<TrafficItem[]> {
  const out: TrafficItem[] = [];
  for await (const item of gen) out.push(item);
  return out;
}
