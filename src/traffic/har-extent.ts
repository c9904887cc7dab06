/**
 * The extent of one HAR entry in the byte stream: strings, escapes and nesting depth are tracked (strings
 * skipped with `indexOf('"')`), so that the entry's text can go to `JSON.parse` whole. Strings longer than
 * `maxString` keep only a prefix, cut where no escape sequence or UTF-8 character is split; an entry still
 * larger than `maxEntry` is dropped. See har.ts for why bytes are scanned rather than tokenised.
 */

/** The reader's place in the input, shared with the entry scanner, which counts the lines inside entries. */
export interface Cursor {
  /** Absolute byte offset of the current chunk. */
  offset: number;
  line: number;
  /** Absolute offset where the current line starts. */
  lineStart: number;
}

export class EntryExtent {
  /** The entry's closing bracket was found. */
  closed = false;
  /** Long strings were shortened: the kept text is no longer the file's. */
  shortened = false;
  /** Larger than maxEntry after shortening: nothing is kept. */
  dropped = false;

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
  /** Segment start (index in the current chunk) of the kept bytes, or -1. */
  private seg = -1;

  constructor(
    private readonly cursor: Cursor,
    private readonly maxString: number,
    readonly maxEntry: number,
  ) {}

  /** Starts an entry at its opening bracket. */
  start(): void {
    this.closed = false;
    this.depth = 0;
    this.inStr = false;
    this.parts = [];
    this.partsBytes = 0;
    this.keeping = true;
    this.shortened = false;
    this.strCut = false;
    this.dropped = false;
  }

  /**
   * Scans entry bytes from `start`; returns the index after the entry (and sets `closed`), or the chunk
   * length.
   */
  scan(c: Buffer, start: number): number {
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
          if (this.keeping && !this.strCut && this.cursor.offset + len - this.strStart > this.maxString)
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
          if (this.cursor.offset + q > this.cutAbs) this.shortened = true;
          if (!this.dropped) {
            this.keeping = true;
            this.seg = q;
          }
        } else if (this.keeping && this.cursor.offset + q - this.strStart > this.maxString) {
          // A long string that fit in one chunk: shorten it now.
          const at = Math.max(this.seg, this.strStart - this.cursor.offset + this.maxString);
          if (this.cut(c, at)) {
            this.strCut = false;
            if (this.cursor.offset + q > this.cutAbs) this.shortened = true;
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
        this.strStart = this.cursor.offset + i + 1;
      } else if (b === 123 || b === 91) {
        depth++;
      } else if (b === 125 || b === 93) {
        if (--depth === 0) {
          this.depth = 0;
          this.inStr = false;
          this.closed = true;
          return i + 1;
        }
      } else if (b === 10) {
        this.cursor.line++;
        this.cursor.lineStart = this.cursor.offset + i + 1;
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
    this.cutAbs = this.cursor.offset + end;
    return true;
  }

  private keepSegment(c: Buffer, end: number): void {
    if (this.seg >= 0 && end > this.seg) {
      this.parts.push(c.subarray(this.seg, end));
      this.partsBytes += end - this.seg;
    }
    this.seg = -1;
  }

  /** The chunk ends inside the entry: keeps its bytes, and drops the entry once it is over the bound. */
  chunkEnd(c: Buffer, end: number): void {
    if (this.keeping) this.keepSegment(c, end);
    this.seg = -1;
    if (!this.dropped && this.partsBytes > this.maxEntry) {
      this.dropped = true;
      this.keeping = false;
      this.parts = [];
      this.partsBytes = 0;
    }
  }

  /** The closed entry's kept text, ending at `end` in the last chunk; undefined when it was dropped. */
  take(c: Buffer, end: number): Buffer | undefined {
    let bytes: Buffer | undefined;
    if (this.dropped) {
      bytes = undefined;
    } else if (this.parts.length === 0) {
      bytes = c.subarray(this.seg, end);
    } else {
      this.keepSegment(c, end);
      bytes = Buffer.concat(this.parts, this.partsBytes);
    }
    this.parts = [];
    this.partsBytes = 0;
    this.seg = -1;
    return bytes;
  }
}
