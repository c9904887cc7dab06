/** Header maps as undici and node:http hand them over, turned into the pairs the guard reads. */
import type { HeaderPairs } from '../proxy/types';

type Value = string | number | boolean | Buffer | readonly unknown[] | null | undefined;

function push(out: HeaderPairs, name: unknown, value: unknown): void {
  if (value === undefined || value === null) return;
  const n = Buffer.isBuffer(name) ? name.toString('latin1') : String(name);
  if (Array.isArray(value)) {
    // A repeated field stays repeated: the engine judges repeats with different values itself.
    for (const v of value as unknown[]) push(out, n, v);
    return;
  }
  out.push([n, Buffer.isBuffer(value) ? value.toString('latin1') : String(value)]);
}

/**
 * Header pairs from any shape undici's dispatch options or node:http use: a flat `[name, value, …]`
 * array, an array or iterable of `[name, value]` entries (`Headers`, `Map`), or a plain object whose
 * values may be arrays. Array values become repeated pairs; `undefined` and `null` values are dropped.
 */
export function headerPairs(headers: unknown): HeaderPairs {
  const out: HeaderPairs = [];
  if (headers === undefined || headers === null) return out;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const entry of headers as unknown[][]) push(out, entry[0], entry[1]);
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) push(out, headers[i], headers[i + 1]);
    }
    return out;
  }
  if (typeof headers === 'object' && typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const entry of headers as Iterable<unknown>) {
      if (Array.isArray(entry)) push(out, entry[0], entry[1]);
    }
    return out;
  }
  if (typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers as Record<string, Value>)) push(out, name, value);
  }
  return out;
}

/** The first value of a field, by lower-case name. */
export function firstValue(pairs: HeaderPairs, lowerName: string): string | undefined {
  for (const [name, value] of pairs) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}
