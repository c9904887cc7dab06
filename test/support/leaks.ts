/**
 * Leak checks for customer keys: every spelling a key can take in output (base64 padded or not,
 * URL-safe, percent-encoded once or twice, `+` read as a space, hex of either case), and an assertion
 * that names the key and the spelling found, so that a failure says which placement leaked.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A throwaway customer key in the forms a test sends it. */
export interface TestKey {
  bytes: Buffer;
  b64: string;
  md5: string;
  hex: string;
  url: string;
}

/** A fresh random 256-bit key. */
export function newKey(bytes = 32): TestKey {
  const b = randomBytes(bytes);
  return {
    bytes: b,
    b64: b.toString('base64'),
    md5: createHash('md5').update(b).digest('base64'),
    hex: b.toString('hex'),
    url: b.toString('base64url'),
  };
}

/** Every spelling of `key` that must not appear in output; hex ones lower-cased (compare case-insensitively). */
export function spellings(key: TestKey): string[] {
  const std = key.b64;
  const unpadded = std.replace(/=+$/, '');
  return [
    std,
    unpadded,
    encodeURIComponent(std),
    encodeURIComponent(encodeURIComponent(std)),
    std.replace(/\+/g, ' '),
    std.replace(/\//g, '\\/'),
    key.url,
    key.hex,
  ];
}

/** The spellings of `keys` found in `text`, as `label: spelling`. */
export function leaksIn(text: string, keys: Readonly<Record<string, TestKey>>): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  for (const [label, key] of Object.entries(keys)) {
    for (const s of spellings(key)) {
      if (s === key.hex ? lower.includes(s) : text.includes(s)) found.push(`${label}: ${s}`);
    }
  }
  return found;
}

/** Fails, naming the output and each leaked key and spelling, when `text` holds a spelling of a key. */
export function expectNoLeak(where: string, text: string, keys: Readonly<Record<string, TestKey>>): void {
  expect({ where, leaked: leaksIn(text, keys) }).toEqual({ where, leaked: [] });
}
