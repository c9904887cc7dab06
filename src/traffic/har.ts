/**
 * Streaming HAR 1.2 reader.
 *
 * stream-json (parser + pick('log.entries') + streamArray) was measured first on a 100 MB HAR:
 * 0.12x the floor (read the file + one JSON.parse) with default options and 0.18x at best
 * (packed values, no value streaming), against a target of 0.3x. Its token-per-object pipeline
 * is the cost, so this module scans bytes instead: outside `log.entries` a small tokenizer checks
 * the structure and finds the path; inside, each entry's extent is found by tracking strings,
 * escapes and nesting depth (har-extent.ts), and the entry's text goes to `JSON.parse`, which does the
 * real validation (har-entry.ts turns it into an exchange).
 *
 * Memory stays bounded by the largest entry, and strings longer than `maxStringBytes` inside an
 * entry are shortened to a prefix while scanning (browser HARs embed whole response bodies). A
 * shortened multipart body still holds the form fields: OBS requires the file to be the last part.
 */
import type { ByteSource, TextPosition, TrafficItem } from './exchange';
import { entrySyntaxError, harEntryToExchange } from './har-entry';
import { EntryExtent } from './har-extent';
import { HarStructure } from './har-structure';
import { ShapeError } from './records';

export { harEntryToExchange } from './har-entry';

/** Options for {@link readHar}. */
export interface HarOptions {
  /** Strings inside an entry longer than this many bytes keep only a prefix of about this size. Default 1 MiB. */
  maxStringBytes?: number;
  /** An entry whose (shortened) text is larger than this is reported and skipped. Default 64 MiB. */
  maxEntryBytes?: number;
  /** `response.content.text` longer than this many characters is not attached. Default 64 Ki. */
  maxResponseText?: number;
}

/**
 * The synchronous core of {@link readHar}. Feed chunks with `push`, then call `end`; both append
 * items to `out` and return false once the input turned out malformed (nothing more is read).
 */
export class HarScanner extends HarStructure {
  private readonly maxResponseText: number;

  // Inside an entry.
  private inEntry = false;
  private entryPos: TextPosition = {};
  private readonly extent: EntryExtent;

  constructor(options: HarOptions = {}) {
    super();
    const maxString = Math.max(16, options.maxStringBytes ?? 1024 * 1024);
    this.extent = new EntryExtent(this.at, maxString, options.maxEntryBytes ?? 64 * 1024 * 1024);
    this.maxResponseText = options.maxResponseText ?? 64 * 1024;
  }

  /** Consumes one chunk. Returns false once the input is known to be malformed. */
  push(chunk: Buffer, out: TrafficItem[]): boolean {
    if (this.failed) return false;
    let i = 0;
    const len = chunk.length;
    while (i < len && !this.failed) {
      i = this.inEntry ? this.scanEntry(chunk, i, out) : this.scanGeneric(chunk, i, out);
    }
    if (this.inEntry && !this.failed) this.extent.chunkEnd(chunk, i);
    this.at.offset += len;
    return !this.failed;
  }

  /** Signals the end of input; reports truncation and missing `log.entries`. */
  end(out: TrafficItem[]): boolean {
    if (this.failed) return false;
    if (this.inEntry) {
      this.fail(
        out,
        this.pos(this.at.offset),
        `entry ${this.entryIndex}: unexpected end of input inside the entry; the HAR is truncated`,
        this.entryIndex,
      );
    } else {
      this.endStructure(out);
    }
    return !this.failed;
  }

  protected startEntry(abs: number): void {
    this.inEntry = true;
    this.extent.start();
    this.entryPos = this.pos(abs);
  }

  private scanEntry(c: Buffer, start: number, out: TrafficItem[]): number {
    const end = this.extent.scan(c, start);
    if (this.extent.closed) this.finishEntry(c, end, out);
    return end;
  }

  private finishEntry(c: Buffer, end: number, out: TrafficItem[]): void {
    const index = this.entryClosed();
    this.inEntry = false;
    const bytes = this.extent.take(c, end);
    if (bytes === undefined) {
      const bound = this.extent.maxEntry;
      const message = `entry ${index}: larger than ${bound} bytes after shortening long strings; skipped`;
      out.push({ kind: 'error', entry: index, position: this.entryPos, message });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      const { position, message } = entrySyntaxError(bytes, this.entryPos, this.extent.shortened);
      this.fail(out, position, `entry ${index}: ${message}`, index);
      return;
    }
    try {
      const exchange = harEntryToExchange(value, index, this.maxResponseText);
      if (this.extent.shortened) exchange.truncated = true;
      out.push({ kind: 'exchange', exchange });
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      out.push({
        kind: 'error',
        entry: index,
        position: this.entryPos,
        message: `entry ${index}: ${e.message}`,
      });
    }
  }
}

/**
 * Streams the exchanges of a HAR 1.2 file, each with its index in `log.entries`, in memory
 * bounded by the largest entry. A malformed file yields an error item with the position (1-based
 * line and byte column, 0-based byte offset) after the entries before it, and reading stops. An
 * entry that is valid JSON but not a usable entry yields an error and reading continues.
 */
export async function* readHar(source: ByteSource, options: HarOptions = {}): AsyncGenerator<TrafficItem> {
  const scanner = new HarScanner(options);
  const out: TrafficItem[] = [];
  for await (const chunk of source) {
    const ok = scanner.push(
      typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk),
      out,
    );
    if (out.length > 0) {
      for (let i = 0; i < out.length; i++) yield out[i] as TrafficItem;
      out.length = 0;
    }
    // Returning here ends the for-await, which destroys the source: nothing more is read.
    if (!ok) return;
  }
  scanner.end(out);
  yield* out;
}
