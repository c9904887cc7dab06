/**
 * A temporary file that text is appended to and later copied out by byte range. Formats whose opening
 * tags carry totals (JUnit's `tests="…"`) write their body here while the run goes, then write the
 * opening with the totals and copy the body after it: memory stays flat, the disk holds the body once.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { TextOut } from './types';

const FLUSH_AT = 64 * 1024;

/** Append-only text on disk. */
export class Spool {
  private readonly dir = mkdtempSync(join(tmpdir(), 'obs-sse-spool-'));
  private readonly fd = openSync(join(this.dir, 'body'), 'w+');
  private pending: string[] = [];
  private pendingChars = 0;
  /** Bytes on disk. */
  private written = 0;

  write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_AT) this.flush();
  }

  /** The offset the next text starts at (bytes appended so far). */
  offset(): number {
    this.flush();
    return this.written;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.written += writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Copies bytes [start, end) to `out`, in pieces. */
  copyTo(out: TextOut, start: number, end: number): void {
    this.flush();
    const buf = Buffer.allocUnsafe(FLUSH_AT);
    const decoder = new StringDecoder('utf8');
    for (let at = start; at < end;) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, end - at), at);
      if (n === 0) break;
      out.write(decoder.write(buf.subarray(0, n)));
      at += n;
    }
    const rest = decoder.end();
    if (rest) out.write(rest);
  }

  /** Deletes the file. */
  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
