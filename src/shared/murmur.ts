/** 32-bit left rotation, as MurmurHash3 uses it. */
export function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3's finaliser: spreads every input bit over the output (result as a signed 32-bit integer). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/**
 * MurmurHash3_x86_128 (seed 0) of `words[offset..offset + length)`, as the reference implementation hashes
 * `length * 4` little-endian bytes. Writes the 16-byte digest into `out` at `outOffset`; allocation-free.
 */
export function murmur3x86_128(words: Uint32Array, offset: number, length: number, out: Uint8Array, outOffset = 0): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const blocks = length >>> 2;
  let i = offset;
  for (let b = 0; b < blocks; b++, i += 4) {
    let k1 = words[i]!;
    let k2 = words[i + 1]!;
    let k3 = words[i + 2]!;
    let k4 = words[i + 3]!;
    k1 = Math.imul(rotl32(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl32(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl32(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl32(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl32(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl32(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl32(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl32(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const tail = length & 3;
  if (tail >= 3) h3 ^= Math.imul(rotl32(Math.imul(words[i + 2]!, C3), 17), C4);
  if (tail >= 2) h2 ^= Math.imul(rotl32(Math.imul(words[i + 1]!, C2), 16), C3);
  if (tail >= 1) h1 ^= Math.imul(rotl32(Math.imul(words[i]!, C1), 15), C2);
  const bytes = length * 4;
  h1 ^= bytes;
  h2 ^= bytes;
  h3 ^= bytes;
  h4 ^= bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  writeU32(out, outOffset, h1);
  writeU32(out, outOffset + 4, h2);
  writeU32(out, outOffset + 8, h3);
  writeU32(out, outOffset + 12, h4);
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = value >>> 24;
}
