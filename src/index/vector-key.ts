import { fmix32, rotl32 } from '../shared/murmur.js';
/** Bytes of a distinct-vector key in the `vectorLabels` database. */
export const VECTOR_KEY_BYTES = 16;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;



/**
 * 128-bit key of one stored vector: MurmurHash3_x86_128 (seed 0) over the 32-bit words of the row as the index
 * stores it after quantization (decoded float32 bits, so equal codes give equal keys whatever the codec layout).
 * Writes 16 bytes into `out` at `outOffset`; allocation-free.
 *
 * Collisions are not verified: accidental ones have probability about n^2 / 2^129 (1e-21 for a billion distinct
 * vectors). A crafted collision (MurmurHash is not cryptographic) would only merge two vectors' graph entries:
 * documents holding the second vector would be found as candidates via the first; stored rows and MaxSim scores
 * are unaffected.
 */
export function vectorKey(words: Uint32Array, offset: number, length: number, out: Uint8Array, outOffset = 0): void {
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
