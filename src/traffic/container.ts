/**
 * Compressed and archived recordings: gzip'd logs, mitmproxy's `.zhar` (a zlib stream) and
 * Playwright's `.zip` (`recordHar` with `content: 'attach'`, whose HAR is the entry `har.har`).
 * Containers are told by their magic bytes, never by their names, from files and from stdin alike.
 *
 * gzip and zlib are inflated as a stream (node:zlib). Zip needs its central directory, at the end of
 * the archive, so it is read with yauzl from the file, or from a temporary copy of a pipe. Every
 * container is bounded: a decompressed size limit and a ratio limit turn a zip bomb into an error.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';
import * as yauzl from 'yauzl';
import type { ByteSource } from './exchange';
import { peekUntil } from './peek';

/** The containers that are opened. */
export type ContainerKind = 'gzip' | 'zlib' | 'zip';

/** Limits on what a container may expand to. */
export interface ContainerLimits {
  /** Most bytes one input may decompress to. Default 16 GiB. */
  maxBytes?: number;
  /**
   * Most decompressed bytes per compressed byte, past the first 16 MiB. Default 1000: deflate cannot
   * do much better than 1032:1, which only runs of one byte reach, and recordings stay far below.
   */
  maxRatio?: number;
  /** Most entries a zip archive may list. Default 100 000. */
  maxZipEntries?: number;
}

/** A container that cannot be read: the message says what the input is and what is wrong with it. */
export class ContainerError extends Error {}

/** What is inside, once every container layer is removed. */
export interface Unwrapped {
  source: ByteSource;
  /** The layers, outermost first: `gzip`, `zip har.har`. Empty for plain text. */
  layers: string[];
  /** The name of the zip entry read, which may tell the format (`har.har`). */
  innerName?: string;
}

const RATIO_FLOOR = 16 * 1024 * 1024;
const MAX_LAYERS = 3;

/** Magic bytes of formats that are recognised only to be refused with a helpful message. */
const OTHER_MAGIC: ReadonlyArray<[bytes: number[], what: string, how: string]> = [
  [[0x42, 0x5a, 0x68], 'a bzip2 stream', 'bzcat FILE | obs-sse lint -'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'an xz stream', 'xzcat FILE | obs-sse lint -'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'a zstd stream', 'zstdcat FILE | obs-sse lint -'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7-Zip archive', '7z x FILE'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive', 'unrar x FILE'],
];

const startsWith = (b: Buffer, magic: readonly number[]): boolean =>
  b.length >= magic.length && magic.every((m, i) => b[i] === m);

/** What the first bytes say; undefined for anything else (text, or too short to tell). */
export function sniffContainer(prefix: Buffer): ContainerKind | undefined {
  if (startsWith(prefix, [0x1f, 0x8b])) return 'gzip';
  // Zip: a local file header, or the end record of an empty archive.
  if (startsWith(prefix, [0x50, 0x4b, 0x03, 0x04]) || startsWith(prefix, [0x50, 0x4b, 0x05, 0x06]))
    return 'zip';
  // zlib (RFC 1950): deflate (CM 8) with a window of at most 32 KiB, and a header checksum. The first
  // byte is then 0x08..0x78 in steps of 0x10, never `{`, `[` or whitespace, so JSON cannot match.
  const [cmf, flg] = [prefix[0], prefix[1]];
  if (cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && cmf >> 4 <= 7) {
    if ((cmf * 256 + flg) % 31 === 0) return 'zlib';
  }
  return undefined;
}

function refuseOther(prefix: Buffer): void {
  for (const [magic, what, how] of OTHER_MAGIC) {
    if (startsWith(prefix, magic)) {
      throw new ContainerError(`${what}, which is not read; unpack it first (${how})`);
    }
  }
}

const DESCRIBE: Record<ContainerKind, string> = {
  gzip: 'a gzip stream',
  zlib: 'a zlib stream (.zhar)',
  zip: 'a zip archive',
};

/** Throws when `out` bytes from `inn` compressed bytes exceed the limits. */
function checkBomb(what: string, out: number, inn: number, limits: Required<ContainerLimits>): void {
  if (out > limits.maxBytes) {
    throw new ContainerError(`${what} expands beyond ${limits.maxBytes} bytes; refused`);
  }
  if (out > RATIO_FLOOR && out > inn * limits.maxRatio) {
    throw new ContainerError(
      `${what} expands more than ${limits.maxRatio}:1 (${out} bytes from ${inn}); refused as a likely decompression bomb`,
    );
  }
}

/** Inflates a gzip or zlib stream, bounded; errors name the container and say how far it got. */
async function* inflate(
  source: ByteSource,
  kind: 'gzip' | 'zlib',
  limits: Required<ContainerLimits>,
): AsyncGenerator<Buffer> {
  let inn = 0;
  let out = 0;
  async function* counted(): AsyncGenerator<Buffer | Uint8Array | string> {
    for await (const c of source) {
      inn += c.length;
      yield c;
    }
  }
  const z = kind === 'gzip' ? createGunzip() : createInflate();
  const feeding = pipeline(Readable.from(counted()), z).catch(() => {
    // The error reaches the consumer through `z`; this only keeps the rejection handled.
  });
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      out += chunk.length;
      checkBomb(DESCRIBE[kind], out, inn, limits);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ContainerError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
    throw new ContainerError(
      `${DESCRIBE[kind]} that is ${why} (${e.message}) after ${inn} compressed bytes, ${out} bytes out`,
      { cause: err },
    );
  } finally {
    z.destroy();
    await feeding;
  }
}

/** Copies a pipe into a temporary file (bounded), for a zip read from stdin. */
async function spool(
  source: ByteSource,
  limits: Required<ContainerLimits>,
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'obs-sse-zip-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'input.zip');
  let n = 0;
  async function* bounded(): AsyncGenerator<Buffer | Uint8Array | string> {
    for await (const c of source) {
      n += c.length;
      if (n > limits.maxBytes)
        throw new ContainerError(`a zip archive over ${limits.maxBytes} bytes; refused`);
      yield c;
    }
  }
  try {
    await pipeline(Readable.from(bounded()), createWriteStream(path));
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { path, cleanup };
}

const TEXT_ENTRY = /\.(?:har|ndjson|jsonl|json|log)$/i;

/** The entry to read: `har.har`, else the only `.har`, else the only traffic-like file. */
function pickEntry(entries: yauzl.Entry[]): yauzl.Entry | string {
  const files = entries.filter((e) => !e.fileName.endsWith('/'));
  const base = (e: yauzl.Entry): string => e.fileName.slice(e.fileName.lastIndexOf('/') + 1);
  const har = files.filter((e) => /\.har$/i.test(e.fileName));
  const named = har.find((e) => base(e) === 'har.har');
  if (named) return named;
  if (har.length === 1) return har[0] as yauzl.Entry;
  if (har.length > 1) {
    return `a zip archive with ${har.length} HAR files (${har
      .slice(0, 5)
      .map((e) => e.fileName)
      .join(', ')}); extract the one to lint`;
  }
  const text = files.filter((e) => TEXT_ENTRY.test(e.fileName));
  if (text.length === 1) return text[0] as yauzl.Entry;
  const list = files
    .slice(0, 5)
    .map((e) => e.fileName)
    .join(', ');
  return files.length === 0
    ? 'an empty zip archive'
    : `a zip archive without a HAR inside (${files.length} entr${files.length === 1 ? 'y' : 'ies'}: ${list}${files.length > 5 ? ', …' : ''})`;
}

/** Opens the HAR (or log) inside a zip archive on disk. */
async function openZip(
  path: string,
  limits: Required<ContainerLimits>,
  cleanup: () => Promise<void>,
): Promise<{ source: ByteSource; name: string }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false });
  } catch (err) {
    await cleanup();
    throw new ContainerError(`a zip archive that cannot be read (${(err as Error).message})`, { cause: err });
  }
  const close = async (): Promise<void> => {
    zip.close();
    await cleanup();
  };
  try {
    if (zip.entryCount > limits.maxZipEntries) {
      throw new ContainerError(
        `a zip archive of ${zip.entryCount} entries, over the limit of ${limits.maxZipEntries}; refused`,
      );
    }
    const entries: yauzl.Entry[] = [];
    for await (const e of zip.eachEntry()) entries.push(e);
    const entry = pickEntry(entries);
    if (typeof entry === 'string') throw new ContainerError(entry);
    const what = `zip entry ${entry.fileName}`;
    if (entry.isEncrypted()) throw new ContainerError(`${what} is encrypted`);
    if (!entry.canDecodeFileData()) {
      throw new ContainerError(
        `${what} uses compression method ${entry.compressionMethod}, which is not read`,
      );
    }
    checkBomb(what, entry.uncompressedSize, entry.compressedSize, limits);
    const stream = await zip.openReadStreamPromise(entry);
    async function* read(): AsyncGenerator<Buffer> {
      try {
        for await (const c of stream as AsyncIterable<Buffer>) yield c;
      } catch (err) {
        throw new ContainerError(`${what} cannot be read (${(err as Error).message})`, { cause: err });
      } finally {
        stream.destroy();
        await close();
      }
    }
    return { source: read(), name: entry.fileName };
  } catch (err) {
    await close();
    if (err instanceof ContainerError) throw err;
    throw new ContainerError(`a zip archive that cannot be read (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Removes container layers (at most three: a gzip'd zip is fine, an endless nest is not) and returns
 * the text inside. `path` is the file the source reads, when it is one: a zip is then read in place.
 * @throws ContainerError saying what the input is and why it cannot be read.
 */
export async function unwrapContainers(
  source: ByteSource,
  path: string | undefined,
  options: ContainerLimits = {},
): Promise<Unwrapped> {
  const limits: Required<ContainerLimits> = {
    maxBytes: options.maxBytes ?? 16 * 1024 ** 3,
    maxRatio: options.maxRatio ?? 1000,
    maxZipEntries: options.maxZipEntries ?? 100_000,
  };
  const layers: string[] = [];
  let current: ByteSource = source;
  let file = path;
  let innerName: string | undefined;
  for (let depth = 0; ; depth++) {
    const { result: kind, stream } = await peekUntil(
      current,
      (prefix, atEnd) => {
        if (prefix.length < 6 && !atEnd) return undefined;
        refuseOther(prefix);
        return sniffContainer(prefix) ?? 'text';
      },
      6,
    );
    if (kind === 'text') {
      const r: Unwrapped = { source: stream, layers };
      if (innerName !== undefined) r.innerName = innerName;
      return r;
    }
    if (depth >= MAX_LAYERS) {
      stream.destroy();
      throw new ContainerError(`${layers.join(' in ')} holding yet another ${kind} container; refused`);
    }
    if (kind === 'zip') {
      let zipPath = file;
      let cleanup = (): Promise<void> => Promise.resolve();
      if (zipPath === undefined) ({ path: zipPath, cleanup } = await spool(stream, limits));
      else stream.destroy();
      const opened = await openZip(zipPath, limits, cleanup);
      layers.push(`zip ${opened.name}`);
      innerName = opened.name;
      current = opened.source;
    } else {
      layers.push(kind);
      current = inflate(stream, kind, limits);
    }
    file = undefined;
  }
}
