/**
 * Finds where a JSON text stops being valid. `JSON.parse` only reports a position for some errors
 * (and the wording changes between Node versions), while the linter must name the line and column,
 * so the readers run this on the error path only.
 *
 * It works on the raw bytes so that positions are byte offsets even when the input is not valid
 * UTF-8 (decoding would turn one stray byte into a three-byte U+FFFD and shift every column).
 */

/** The first syntax error in a JSON text: its byte index and a description. */
export interface JsonErrorLocation {
  index: number;
  message: string;
}

function describe(b: Uint8Array, i: number): string {
  if (i >= b.length) return 'end of input';
  const c = b[i] as number;
  if (c >= 0x21 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  if (c >= 0x80) {
    const ch =
      Buffer.from(b.subarray(i, i + 4))
        .toString('utf8')
        .codePointAt(0) ?? 0xfffd;
    if (ch !== 0xfffd) return `'${String.fromCodePoint(ch)}'`;
  }
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70));
}

function startsWith(b: Uint8Array, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Returns the first syntax error of `bytes` as a single JSON value, or `undefined` when it is valid.
 * Iterative, so deeply nested input cannot overflow the stack.
 */
export function locateJsonError(bytes: Uint8Array): JsonErrorLocation | undefined {
  const b = bytes;
  const n = b.length;
  // true = object, false = array
  const stack: boolean[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < n) {
      const c = b[i];
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  };
  const fail = (expected: string): JsonErrorLocation => ({
    index: Math.min(i, n),
    message: `unexpected ${describe(b, i)}, expected ${expected}`,
  });
  const string = (): JsonErrorLocation | undefined => {
    i++;
    for (;;) {
      if (i >= n) return { index: n, message: 'unterminated string' };
      const c = b[i] as number;
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c < 0x20) return { index: i, message: `${describe(b, i)} in a string (it must be escaped)` };
      if (c === 92) {
        const e = b[i + 1];
        if (e === 117) {
          if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) {
            return { index: i, message: 'invalid \\u escape (four hex digits expected)' };
          }
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          e === 34 ||
          e === 92 ||
          e === 47 ||
          e === 98 ||
          e === 102 ||
          e === 110 ||
          e === 114 ||
          e === 116
        ) {
          i += 2;
          continue;
        }
        return { index: i, message: 'invalid escape sequence in a string' };
      }
      i++;
    }
  };
  const number = (): JsonErrorLocation | undefined => {
    if (b[i] === 45) i++;
    if (b[i] === 48) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else return fail('a digit');
    if (b[i] === 46) {
      i++;
      if (!isDigit(b[i])) return fail('a digit after the decimal point');
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 101 || b[i] === 69) {
      i++;
      if (b[i] === 43 || b[i] === 45) i++;
      if (!isDigit(b[i])) return fail('a digit in the exponent');
      while (isDigit(b[i])) i++;
    }
    return undefined;
  };
  const key = (expected: string): JsonErrorLocation | undefined => {
    ws();
    if (b[i] !== 34) return fail(expected);
    const err = string();
    if (err) return err;
    ws();
    if (b[i] !== 58) return fail('":" after a property name');
    i++;
    return undefined;
  };

  for (;;) {
    // Expecting a value.
    ws();
    const c = b[i];
    if (c === 123 /* { */) {
      i++;
      ws();
      if (b[i] === 125) {
        i++;
      } else {
        stack.push(true);
        const err = key('a property name in double quotes or "}"');
        if (err) return err;
        continue;
      }
    } else if (c === 91 /* [ */) {
      i++;
      ws();
      if (b[i] === 93) {
        i++;
      } else {
        stack.push(false);
        continue;
      }
    } else if (c === 34) {
      const err = string();
      if (err) return err;
    } else if (c === 45 || isDigit(c)) {
      const err = number();
      if (err) return err;
    } else if (startsWith(b, i, 'true') || startsWith(b, i, 'null')) {
      i += 4;
    } else if (startsWith(b, i, 'false')) {
      i += 5;
    } else {
      return fail('a JSON value');
    }
    // After a value: close containers or move to the next element.
    for (;;) {
      ws();
      if (stack.length === 0) {
        return i < n ? fail('end of input after the JSON value') : undefined;
      }
      const inObject = stack[stack.length - 1];
      const d = b[i];
      if (d === 44 /* , */) {
        i++;
        if (inObject) {
          const err = key('a property name in double quotes');
          if (err) return err;
        }
        break;
      }
      if (d === (inObject ? 125 : 93)) {
        i++;
        stack.pop();
        continue;
      }
      return fail(inObject ? '"," or "}"' : '"," or "]"');
    }
  }
}
