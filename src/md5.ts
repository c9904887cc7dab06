/**
 * MD5 (RFC 1321) over bytes, in plain JavaScript: the SSE-C key fingerprint is the only hash the rules need,
 * and a pure implementation keeps the core free of node:crypto (and of Web Crypto, which has no MD5 and is
 * asynchronous). test/engine/md5.test.ts checks it against node:crypto; `npm run bench -- engine` times both.
 */

// Per-round left rotations and the sine-derived constants of RFC 1321, section 3.4.
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

// Scratch space reused by every call: one 64-byte block as sixteen little-endian words.
const M = new Int32Array(16);

/** The 16-byte MD5 digest of `bytes`. */
export function md5(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  // Message, a 0x80 byte, zero padding to 56 mod 64, then the bit length as a 64-bit little-endian number.
  const blocks = ((n + 8) >>> 6) + 1;
  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  for (let b = 0; b < blocks; b++) {
    const base = b * 64;
    for (let w = 0; w < 16; w++) {
      let word = 0;
      for (let k = 3; k >= 0; k--) {
        const i = base + w * 4 + k;
        const byte = i < n ? bytes[i]! : i === n ? 0x80 : 0;
        word = (word << 8) | byte;
      }
      M[w] = word;
    }
    if (b === blocks - 1) {
      M[14] = (n << 3) | 0;
      M[15] = Math.floor(n / 0x20000000) | 0;
    }
    let a = a0;
    let bb = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (bb & c) | (~bb & d);
        g = i;
      } else if (i < 32) {
        f = (d & bb) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = bb ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (bb | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + K[i]! + M[g]!) | 0;
      const s = S[(i >>> 4) * 4 + (i & 3)]!;
      a = d;
      d = c;
      c = bb;
      bb = (bb + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + bb) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(16);
  [a0, b0, c0, d0].forEach((v, w) => {
    for (let k = 0; k < 4; k++) out[w * 4 + k] = (v >>> (8 * k)) & 255;
  });
  M.fill(0); // no key bytes linger in the scratch block
  return out;
}
