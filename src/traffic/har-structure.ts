/**
 * The HAR reader's tokenizer for everything outside the entries: it checks the JSON structure, finds
 * `log.entries`, reports a non-object element of it, and hands each entry's start to the subclass
 * (har.ts), which finds the entry's extent. Keys are decoded only at the two levels that lead to the
 * entries; other strings and literals are checked and skipped.
 */
import type { TextPosition, TrafficItem } from './exchange';
import type { Cursor } from './har-extent';

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

export abstract class HarStructure {
  protected readonly at: Cursor = { offset: 0, line: 1, lineStart: 0 };
  protected failed = false;

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
  protected entryIndex = 0;

  /** The input ended outside any entry: reports a truncated structure or a missing `log.entries`. */
  protected endStructure(out: TrafficItem[]): void {
    const where = `at the end of the input (byte ${this.at.offset})`;
    if (this.gStr) {
      this.fail(out, this.pos(this.at.offset), `unterminated string ${where}; the HAR is truncated`);
      return;
    }
    if (this.gLit !== '') this.endLiteral(out);
    if (this.failed) return;
    if (this.stack.length > 0 || !this.rootDone) {
      const msg =
        this.rootDone || this.stack.length > 0
          ? `unexpected end of input ${where}; the HAR is truncated`
          : 'the input is empty';
      this.fail(out, this.pos(this.at.offset), msg);
    } else if (!this.sawEntries) {
      this.fail(out, { line: 1, column: 1, offset: 0 }, 'not a HAR 1.2 file: there is no log.entries array');
    }
  }

  /** An entry (an object or array element of `log.entries`) closed; returns its index. */
  protected entryClosed(): number {
    const top = this.stack[this.stack.length - 1];
    if (top) top.st = St.Next;
    return this.entryIndex++;
  }

  /** An entry starts at absolute offset `abs`: the subclass scans it until it calls {@link entryClosed}. */
  protected abstract startEntry(abs: number): void;

  protected pos(abs: number): TextPosition {
    return { line: this.at.line, column: abs - this.at.lineStart + 1, offset: abs };
  }

  protected fail(out: TrafficItem[], position: TextPosition, message: string, entry?: number): void {
    this.failed = true;
    const item: TrafficItem = { kind: 'error', position, message };
    if (entry !== undefined) item.entry = entry;
    out.push(item);
  }

  /** Scans structure bytes from `start`; returns where an entry starts, or the chunk length. */
  protected scanGeneric(c: Buffer, start: number, out: TrafficItem[]): number {
    const len = c.length;
    let i = start;
    while (i < len) {
      const b = c[i] as number;
      const abs = this.at.offset + i;
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
        this.at.line++;
        this.at.lineStart = abs + 1;
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
}
