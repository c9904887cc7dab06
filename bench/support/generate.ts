/** Writing large generated inputs for the benchmarks: one streaming writer, and the HAR framing around entries. */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** Streams `piece(0)`, `piece(1)`, ... into `file` (with backpressure) until `targetBytes`; returns the count. */
export async function writeGenerated(
  file: string,
  targetBytes: number,
  piece: (i: number) => string,
  head = '',
  tail = '',
): Promise<number> {
  const out = createWriteStream(file);
  out.write(head);
  let size = 0;
  let i = 0;
  for (; size < targetBytes; i++) {
    const s = piece(i);
    size += s.length;
    if (!out.write(s)) await once(out, 'drain');
  }
  out.end(tail);
  await once(out, 'finish');
  return i;
}

/** A HAR 1.2 file of `targetBytes` from entries `entry(i)`, pretty-printed as browsers and proxies write HARs. */
export function writeHar(file: string, targetBytes: number, entry: (i: number) => object): Promise<number> {
  return writeGenerated(
    file,
    targetBytes,
    (i) => (i === 0 ? '\n' : ',\n') + JSON.stringify(entry(i), null, 2),
    '{\n  "log": {\n    "version": "1.2",\n    "creator": { "name": "bench", "version": "1" },\n    "entries": [',
    '\n    ]\n  }\n}\n',
  );
}
