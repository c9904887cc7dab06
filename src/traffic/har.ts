/**
 * Streaming HAR 1.2 reader.
 *
 * stream-json (parser + pick('log.entries') + streamArray) was measured first on a 100 MB HAR:
 * 0.12x the floor (read the file + one JSON.parse) with default options and 0.18x at best
 * (packed values, no value streaming), against a target of 0.3x. Its token-per-object pipeline
 * is the cost, so this module scans bytes instead: outside `log.entries` a small tokenizer checks
 * the structure and finds the path; inside, each entry's extent is found by tracking strings,
 * escapes and nesting depth (strings skipped with `indexOf('"')`), and the entry's text goes to
 * `JSON.parse`, which does the real validation.
 *
 * Memory stays bounded by the largest entry, and strings longer than `maxStringBytes` inside an
 * entry are shortened to a prefix while scanning (browser HARs embed whole response bodies). A
 * shortened multipart body still holds the form fields: OBS requires the file to be the last part.
 */
import type { ByteSource, Exchange, HeaderPair, TextPosition, TrafficItem } from './exchange';
import { locateJsonError } from './json-locate';
import { isObject, ShapeError, toHeaderPairs, toKeyChecks, toPostData } from './records';

/** Options for {@link readHar}. */
export interface HarOptions {
  /** Strings inside an entry longer than this many bytes keep only a prefix of about this size. Default 1 MiB. */
  maxStringBytes?: number;
  /** An entry whose (shortened) text is larger than this is reported and skipped. Default 64 MiB. */
  maxEntryBytes?: number;
  /** `response.content.text` longer than this many characters is not attached. Default 64 Ki. */
  maxResponseText?: number;
}

const enum Role {
  Root,
  Log,
  Entries,
  Other,
}

const enum St {
  /** Object, after `{`: a key or `}`. */
  KeyOrEnd,
  /** Object, after `,`: a key. */
  Key,
  Colon,
  /** A value (object member value, or array element after `,`). */
  Value,
  /** Array, after `[`: a value or `]`. */
  ValueOrEnd,
  /** After a value: `,` or the closing bracket. */
  Next,
}

interface Frame {
  obj: boolean;
  role: Role;
  st: St;
  key: string | undefined;
}

const LITERAL = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;
const BOM = [0xef, 0xbb, 0xbf];

function isLiteralByte(c: number): boolean {
  // Letters, digits, '+', '-', '.': generous on purpose; the literal is checked whole.
  return (
    (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 43 || c === 45 || c === 46
  );
}

function describeByte(c: number): string {
  return c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** Converts one parsed HAR entry. @throws ShapeError naming the offending field. */
export function harEntryToExchange(v: unknown, entry: number, maxResponseText = 64 * 1024): Exchange {
  if (!isObject(v)) throw new ShapeError('the entry is not an object');
  const req = v.request;
  if (!isObject(req)) throw new ShapeError('"request" must be an object');
  if (typeof req.method !== 'string' || req.method === '') {
    throw new ShapeError('"request.method" must be a non-empty string');
  }
  if (typeof req.url !== 'string' || req.url === '')
    throw new ShapeError('"request.url" must be a non-empty string');
  const requestHeaders: HeaderPair[] =
    req.headers === undefined ? [] : toHeaderPairs(req.headers, 'request.headers');
  const exchange: Exchange = { entry, method: req.method, url: req.url, requestHeaders };
  if (req.postData !== undefined && req.postData !== null) {
    exchange.postData = toPostData(req.postData, 'request.postData');
  }
  if (typeof v.startedDateTime === 'string') exchange.startedDateTime = v.startedDateTime;
  if (v._obsSse !== undefined) exchange.keyChecks = toKeyChecks(v._obsSse, '_obsSse');
  const res = v.response;
  // HAR writes status 0 for a request that got no response (blocked, aborted, failed).
  if (isObject(res) && typeof res.status === 'number' && res.status > 0) {
    exchange.status = res.status;
    exchange.responseHeaders =
      res.headers === undefined ? [] : toHeaderPairs(res.headers, 'response.headers');
    const content = res.content;
    if (isObject(content) && typeof content.text === 'string') {
      let text: string | undefined = content.text;
      if (content.encoding === 'base64') {
        text =
          text.length <= Math.ceil(maxResponseText / 3) * 4
            ? Buffer.from(text, 'base64').toString('utf8')
            : undefined;
      }
      if (text !== undefined && text.length <= maxResponseText) exchange.responseText = text;
    }
  }
  return exchange;
}

/**
 * The synchronous core of {@link readHar}. Feed chunks with `push`, then call `end`; both append
 * items to `out` and return false once the input turned out malformed (nothing more is read).
 */
export class HarScanner {
  private readonly maxString: number;
  private readonly maxEntry: number;
  private readonly maxResponseText: number;

  /** Absolute byte offset of the current chunk. */
  private offset = 0;
  private line = 1;
  private lineStart = 0;
  private failed = false;

  // Outside entries.
  private readonly stack: Frame[] = [];
  private rootDone = false;
  private sawEntries = false;
  private gStr = false;
  private gEsc = false;
  private gKey = false;
  private gCollect: number[] | undefined;
  private gLit = '';
  private gLitPos: TextPosition = {};
  /** Index of a non-object element of log.entries being skipped by the tokenizer. */
  private scalarEntry = -1;
  private scalarPos: TextPosition = {};
  private entryIndex = 0;

  // Inside an entry.
  private inEntry = false;
  private depth = 0;
  private inStr = false;
  /** Parity of the backslashes ending the previous chunk while inside a string. */
  private bsCarry = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Whether bytes are being kept (false while skipping a shortened string's tail, or a dropped entry). */
  private keeping = false;
  private strStart = 0;
  private strCut = false;
  /** Absolute offset where the kept part of the current string ends. */
  private cutAbs = 0;
  private entryCut = false;
  private dropped = false;
  private entryPos: TextPosition = {};

  constructor(options: HarOptions = {}) {
    this.maxString = Math.max(16, options.maxStringBytes ?? 1024 * 1024);
    this.maxEntry = options.maxEntryBytes ?? 64 * 1024 * 1024;
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
    if (this.inEntry && !this.failed) this.entryChunkEnd(chunk, i);
    this.offset += len;
    return !this.failed;
  }

  /** Signals the end of input; reports truncation and missing `log.entries`. */
  end(out: TrafficItem[]): boolean {
    if (this.failed) return false;
    const where = `at the end of the input (byte ${this.offset})`;
    if (this.inEntry) {
      this.fail(
        out,
        this.pos(this.offset),
        `entry ${this.entryIndex}: unexpected end of input inside the entry; the HAR is truncated`,
        this.entryIndex,
      );
    } else if (this.gStr) {
      this.fail(out, this.pos(this.offset), `unterminated string ${where}; the HAR is truncated`);
    } else {
      if (this.gLit !== '') this.endLiteral(out);
      if (this.failed) return false;
      if (this.stack.length > 0 || !this.rootDone) {
        const msg =
          this.rootDone || this.stack.length > 0
            ? `unexpected end of input ${where}; the HAR is truncated`
            : 'the input is empty';
        this.fail(out, this.pos(this.offset), msg);
      } else if (!this.sawEntries) {
        this.fail(
          out,
          { line: 1, column: 1, offset: 0 },
          'not a HAR 1.2 file: there is no log.entries array',
        );
      }
    }
    return !this.failed;
  }

  private pos(abs: number): TextPosition {
    return { line: this.line, column: abs - this.lineStart + 1, offset: abs };
  }

  private fail(out: TrafficItem[], position: TextPosition, message: string, entry?: number): void {
    this.failed = true;
    const item: TrafficItem = { kind: 'error', position, message };
    if (entry !== undefined) item.entry = entry;
    out.push(item);
  }

  // ---------------------------------------------------------------- outside entries

  private scanGeneric(c: Buffer, start: number, out: TrafficItem[]): number {
    const len = c.length;
    let i = start;
    while (i < len) {
      const b = c[i] as number;
      const abs = this.offset + i;
      if (this.gStr) {
        if (this.gEsc) this.gEsc = false;
        else if (b === 92) this.gEsc = true;
        else if (b === 34) {
          this.gStr = false;
          this.endString(out, abs);
          if (this.failed) return len;
          i++;
          continue;
        } else if (b < 0x20) {
          this.fail(out, this.pos(abs), `${describeByte(b)} inside a string (it must be escaped)`);
          return len;
        }
        if (this.gCollect) this.gCollect.push(b);
        i++;
        continue;
      }
      if (this.gLit !== '') {
        if (isLiteralByte(b)) {
          this.gLit += String.fromCharCode(b);
          i++;
          continue;
        }
        this.endLiteral(out);
        if (this.failed) return len;
      }
      if (b === 32 || b === 9 || b === 13) {
        i++;
        continue;
      }
      if (b === 10) {
        this.line++;
        this.lineStart = abs + 1;
        i++;
        continue;
      }
      if (abs < 3 && b === BOM[abs] && this.stack.length === 0 && !this.rootDone) {
        i++;
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      if (!top) {
        if (this.rootDone) {
          this.fail(out, this.pos(abs), `unexpected ${describeByte(b)} after the end of the HAR object`);
          return len;
        }
        if (b !== 123) {
          this.fail(
            out,
            this.pos(abs),
            `not a HAR file: expected '{' (an object with a "log" key), found ${describeByte(b)}`,
          );
          return len;
        }
        this.stack.push({ obj: true, role: Role.Root, st: St.KeyOrEnd, key: undefined });
        i++;
        continue;
      }
      switch (top.st) {
        case St.KeyOrEnd:
        case St.Key:
          if (b === 34) {
            this.gStr = true;
            this.gKey = true;
            this.gCollect = top.role === Role.Root || top.role === Role.Log ? [] : undefined;
          } else if (b === 125 && top.st === St.KeyOrEnd) {
            this.closeContainer();
          } else {
            this.fail(
              out,
              this.pos(abs),
              `unexpected ${describeByte(b)}, expected a property name in double quotes`,
            );
            return len;
          }
          i++;
          continue;
        case St.Colon:
          if (b !== 58) {
            this.fail(
              out,
              this.pos(abs),
              `unexpected ${describeByte(b)}, expected ':' after a property name`,
            );
            return len;
          }
          top.st = St.Value;
          i++;
          continue;
        case St.Next:
          if (b === 44) {
            top.st = top.obj ? St.Key : St.Value;
          } else if (b === (top.obj ? 125 : 93)) {
            this.closeContainer();
          } else {
            this.fail(
              out,
              this.pos(abs),
              `unexpected ${describeByte(b)}, expected ',' or '${top.obj ? '}' : ']'}'`,
            );
            return len;
          }
          i++;
          continue;
        case St.ValueOrEnd:
        case St.Value:
          if (b === 93 && top.st === St.ValueOrEnd) {
            this.closeContainer();
            i++;
            continue;
          }
          if (top.role === Role.Entries && (b === 123 || b === 91)) {
            this.startEntry(abs);
            return i;
          }
          if (top.role === Role.Entries) {
            this.scalarEntry = this.entryIndex;
            this.scalarPos = this.pos(abs);
          }
          if (!this.startValue(top, b, abs, out)) return len;
          i++;
          continue;
      }
    }
    return i;
  }

  /** Starts a value other than an entry; returns false after a fatal error. */
  private startValue(top: Frame, b: number, abs: number, out: TrafficItem[]): boolean {
    let role = Role.Other;
    if (top.role === Role.Root && top.key === 'log') role = Role.Log;
    else if (top.role === Role.Log && top.key === 'entries') role = Role.Entries;
    if (role === Role.Log && b !== 123) {
      this.fail(out, this.pos(abs), `"log" must be an object, found ${describeByte(b)}`);
      return false;
    }
    if (role === Role.Entries && b !== 91) {
      this.fail(out, this.pos(abs), `"log.entries" must be an array, found ${describeByte(b)}`);
      return false;
    }
    if (b === 123) {
      this.stack.push({ obj: true, role, st: St.KeyOrEnd, key: undefined });
    } else if (b === 91) {
      if (role === Role.Entries) this.sawEntries = true;
      this.stack.push({ obj: false, role, st: St.ValueOrEnd, key: undefined });
    } else if (b === 34) {
      this.gStr = true;
      this.gKey = false;
      this.gCollect = undefined;
    } else if (isLiteralByte(b)) {
      this.gLit = String.fromCharCode(b);
      this.gLitPos = this.pos(abs);
    } else {
      this.fail(out, this.pos(abs), `unexpected ${describeByte(b)}, expected a JSON value`);
      return false;
    }
    return true;
  }

  private closeContainer(): void {
    this.stack.pop();
    this.valueDone();
  }

  private valueDone(): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.rootDone = true;
      return;
    }
    top.st = St.Next;
  }

  private endString(out: TrafficItem[], abs: number): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    if (this.gKey) {
      let key: string | undefined;
      if (this.gCollect) {
        try {
          key = JSON.parse(`"${Buffer.from(this.gCollect).toString('utf8')}"`) as string;
        } catch {
          this.fail(out, this.pos(abs), 'invalid escape sequence in a property name');
          return;
        }
      }
      this.gCollect = undefined;
      top.key = key;
      top.st = St.Colon;
      return;
    }
    this.scalarDone(out);
  }

  private endLiteral(out: TrafficItem[]): void {
    const lit = this.gLit;
    this.gLit = '';
    if (!LITERAL.test(lit)) {
      this.fail(out, this.gLitPos, `invalid literal '${lit.slice(0, 20)}'`);
      return;
    }
    this.scalarDone(out);
  }

  private scalarDone(out: TrafficItem[]): void {
    const top = this.stack[this.stack.length - 1];
    if (top && top.role === Role.Entries && this.scalarEntry === this.entryIndex) {
      out.push({
        kind: 'error',
        entry: this.entryIndex,
        position: this.scalarPos,
        message: `entry ${this.entryIndex}: the entry is not an object`,
      });
      this.scalarEntry = -1;
      this.entryIndex++;
    }
    this.valueDone();
  }

  // ---------------------------------------------------------------- inside an entry

  private startEntry(abs: number): void {
    this.inEntry = true;
    this.depth = 0;
    this.inStr = false;
    this.parts = [];
    this.partsBytes = 0;
    this.keeping = true;
    this.entryCut = false;
    this.strCut = false;
    this.dropped = false;
    this.entryPos = this.pos(abs);
  }

  /** Segment start (index in the current chunk) of the kept bytes, or -1. */
  private seg = -1;

  /** Scans entry bytes from `start`; returns the index after the entry, or the chunk length. */
  private scanEntry(c: Buffer, start: number, out: TrafficItem[]): number {
    const len = c.length;
    let i = start;
    if (this.keeping && this.seg === -1) this.seg = i;
    let depth = this.depth;
    let inStr = this.inStr;
    while (i < len) {
      if (inStr) {
        const q = c.indexOf(34, i);
        if (q === -1) {
          this.bsCarry = this.backslashParity(c, len, i);
          this.depth = depth;
          this.inStr = true;
          if (this.keeping && !this.strCut && this.offset + len - this.strStart > this.maxString)
            this.cut(c, len);
          return len;
        }
        if (this.backslashParity(c, q, i) === 1) {
          i = q + 1;
          continue;
        }
        inStr = false;
        if (this.strCut) {
          this.strCut = false;
          if (this.offset + q > this.cutAbs) this.entryCut = true;
          if (!this.dropped) {
            this.keeping = true;
            this.seg = q;
          }
        } else if (this.keeping && this.offset + q - this.strStart > this.maxString) {
          // A long string that fit in one chunk: shorten it now.
          const at = Math.max(this.seg, this.strStart - this.offset + this.maxString);
          if (this.cut(c, at)) {
            this.strCut = false;
            if (this.offset + q > this.cutAbs) this.entryCut = true;
            this.keeping = true;
            this.seg = q;
          }
        }
        i = q + 1;
        continue;
      }
      const b = c[i] as number;
      if (b === 34) {
        inStr = true;
        this.strStart = this.offset + i + 1;
      } else if (b === 123 || b === 91) {
        depth++;
      } else if (b === 125 || b === 93) {
        if (--depth === 0) {
          this.depth = 0;
          this.inStr = false;
          this.finishEntry(c, i + 1, out);
          return i + 1;
        }
      } else if (b === 10) {
        this.line++;
        this.lineStart = this.offset + i + 1;
      }
      i++;
    }
    this.depth = depth;
    this.inStr = inStr;
    // The chunk ended right after a quote (an opening one or an escaped one): no backslash run.
    if (inStr) this.bsCarry = 0;
    return len;
  }

  /**
   * Parity of the run of backslashes ending just before `end`, not looking before `from`. A run
   * that reaches the start of a chunk continues the previous chunk's run.
   */
  private backslashParity(c: Buffer, end: number, from: number): number {
    let k = end - 1;
    while (k >= from && c[k] === 92) k--;
    const run = end - 1 - k;
    return k < from && from === 0 ? (run + this.bsCarry) & 1 : run & 1;
  }

  /**
   * Ends the kept bytes of the current string at `at` (moved back so that no escape sequence or
   * UTF-8 character is split) and skips the rest of the string. Returns false, keeping everything, when the
   * boundary cannot be checked within this chunk's kept bytes; a later chunk will retry.
   */
  private cut(c: Buffer, at: number): boolean {
    const from = this.seg;
    if (from < 0 || at - from < 8) return false;
    let end = at;
    // Keep whole UTF-8 characters, so that the kept text is a prefix of the original string.
    let j = end - 1;
    let cont = 0;
    while (j >= from && ((c[j] as number) & 0xc0) === 0x80 && cont < 3) {
      j--;
      cont++;
    }
    if (j < from) return false;
    const lead = c[j] as number;
    const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
    if (need !== cont) end = j;
    let k = end - 1;
    while (k >= from && c[k] === 92) k--;
    if (k < from) return false;
    if ((end - 1 - k) % 2 === 1) end--;
    // Inside "\uXXXX"? Its backslash is the nearest one within the last five bytes.
    for (let j = end - 1; j >= end - 5 && j > from; j--) {
      if (c[j] !== 92) continue;
      let r = j - 1;
      while (r >= from && c[r] === 92) r--;
      if (r < from) return false;
      if ((j - r) % 2 === 1 && c[j + 1] === 117) end = j;
      break;
    }
    this.keepSegment(c, end);
    this.keeping = false;
    this.strCut = true;
    // Whether anything is really dropped is known when the string closes.
    this.cutAbs = this.offset + end;
    return true;
  }

  private keepSegment(c: Buffer, end: number): void {
    if (this.seg >= 0 && end > this.seg) {
      this.parts.push(c.subarray(this.seg, end));
      this.partsBytes += end - this.seg;
    }
    this.seg = -1;
  }

  private entryChunkEnd(c: Buffer, end: number): void {
    if (this.keeping) this.keepSegment(c, end);
    this.seg = -1;
    if (!this.dropped && this.partsBytes > this.maxEntry) {
      this.dropped = true;
      this.keeping = false;
      this.parts = [];
      this.partsBytes = 0;
    }
  }

  private finishEntry(c: Buffer, end: number, out: TrafficItem[]): void {
    const index = this.entryIndex++;
    this.inEntry = false;
    const top = this.stack[this.stack.length - 1];
    if (top) top.st = St.Next;
    if (this.dropped) {
      this.seg = -1;
      out.push({
        kind: 'error',
        entry: index,
        position: this.entryPos,
        message: `entry ${index}: larger than ${this.maxEntry} bytes after shortening long strings; skipped`,
      });
      return;
    }
    let bytes: Buffer;
    if (this.parts.length === 0) {
      bytes = c.subarray(this.seg, end);
    } else {
      this.keepSegment(c, end);
      bytes = Buffer.concat(this.parts, this.partsBytes);
      this.parts = [];
      this.partsBytes = 0;
    }
    this.seg = -1;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.syntaxError(bytes, index, out);
      return;
    }
    try {
      const exchange = harEntryToExchange(value, index, this.maxResponseText);
      if (this.entryCut) exchange.truncated = true;
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

  private syntaxError(bytes: Buffer, index: number, out: TrafficItem[]): void {
    const loc = locateJsonError(bytes);
    const at = loc?.index ?? 0;
    const start = this.entryPos;
    let position: TextPosition;
    if (this.entryCut) {
      // Offsets inside a shortened entry no longer match the file; the entry start still does.
      position = start;
    } else {
      let line = start.line ?? 1;
      let lastNl = -1;
      for (let k = bytes.indexOf(10); k !== -1 && k < at; k = bytes.indexOf(10, k + 1)) {
        line++;
        lastNl = k;
      }
      const column = lastNl === -1 ? (start.column ?? 1) + at : at - lastNl;
      position = { line, column, offset: (start.offset ?? 0) + at };
    }
    this.fail(
      out,
      position,
      `entry ${index}: invalid JSON at line ${position.line}, column ${position.column}: ${loc?.message ?? 'not parseable'}`,
      index,
    );
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
