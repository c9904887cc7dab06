/**
 * Finds where a JSON text stops being valid. `JSON.parse` only reports a position for some errors
 * (and the wording changes between Node versions), while the linter must name the line and column,
 * so the readers run this on the error path only.
 */

/** The first syntax error in a JSON text: its index (UTF-16 code units) and a description. */
export interface JsonErrorLocation {
  index: number;
  message: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

function describe(text: string, i: number): string {
  if (i >= text.length) return 'end of input';
  const cp = text.codePointAt(i) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return `control character U+${cp.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${String.fromCodePoint(cp)}'`;
}

/**
 * Returns the first syntax error of `text` as a single JSON value, or `undefined` when it is valid.
 * Iterative, so deeply nested input cannot overflow the stack.
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const n = text.length;
  // true = object, false = array
  const stack: boolean[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  };
  const fail = (expected: string): JsonErrorLocation => ({
    index: Math.min(i, n),
    message: `unexpected ${describe(text, i)}, expected ${expected}`,
  });
  const string = (): JsonErrorLocation | undefined => {
    i++;
    for (;;) {
      if (i >= n) return { index: n, message: 'unterminated string' };
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c < 0x20) return { index: i, message: `${describe(text, i)} in a string (it must be escaped)` };
      if (c === 92) {
        const e = text.charCodeAt(i + 1);
        if (e === 117) {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) return { index: i, message: 'invalid \\u escape (four hex digits expected)' };
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
          i += 2;
          continue;
        }
        return { index: i, message: 'invalid escape sequence in a string' };
      }
      i++;
    }
  };

  for (;;) {
    // Expecting a value.
    ws();
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) {
      i++;
      ws();
      if (text.charCodeAt(i) === 125) {
        i++;
      } else {
        stack.push(true);
        if (text.charCodeAt(i) !== 34) return fail('a property name in double quotes or "}"');
        const err = string();
        if (err) return err;
        ws();
        if (text.charCodeAt(i) !== 58) return fail('":" after a property name');
        i++;
        continue;
      }
    } else if (c === 91 /* [ */) {
      i++;
      ws();
      if (text.charCodeAt(i) === 93) {
        i++;
      } else {
        stack.push(false);
        continue;
      }
    } else if (c === 34) {
      const err = string();
      if (err) return err;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return fail('a digit');
      i += m[0].length;
    } else if (text.startsWith('true', i)) {
      i += 4;
    } else if (text.startsWith('false', i)) {
      i += 5;
    } else if (text.startsWith('null', i)) {
      i += 4;
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
      const d = text.charCodeAt(i);
      if (d === 44 /* , */) {
        i++;
        if (inObject) {
          ws();
          if (text.charCodeAt(i) !== 34) return fail('a property name in double quotes');
          const err = string();
          if (err) return err;
          ws();
          if (text.charCodeAt(i) !== 58) return fail('":" after a property name');
          i++;
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
