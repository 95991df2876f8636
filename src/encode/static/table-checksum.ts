import { fmix32, rotl32 } from '../../shared/murmur.js';

/**
 * A fast 128-bit integrity checksum (four 32-bit multiply-rotate lanes over little-endian words). Each lane
 * step is a bijection of its state for a fixed input word, so any single changed word always changes the
 * result; it detects corruption and truncation, and is not meant to resist deliberate tampering.
 * Runs several times faster than SHA-256 on CPUs without SHA extensions, which keeps warm loads short.
 */
export function checksum128(bytes: Uint8Array): string {
  const words = Math.floor(bytes.length / 4);
  const aligned = bytes.byteOffset % 4 === 0;
  const u32 = aligned
    ? new Uint32Array(bytes.buffer, bytes.byteOffset, words)
    : new Uint32Array(bytes.slice(0, words * 4).buffer);
  let a = 0x811c9dc5 | 0;
  let b = 0x9e3779b9 | 0;
  let c = 0x27d4eb2f | 0;
  let d = 0x165667b1 | 0;
  const blocks = words & ~3;
  for (let i = 0; i < blocks; i += 4) {
    a = Math.imul(a ^ u32[i]!, 0x01000193);
    b = Math.imul(b ^ u32[i + 1]!, 0x85ebca6b);
    c = Math.imul(c ^ u32[i + 2]!, 0xc2b2ae35);
    d = Math.imul(d ^ u32[i + 3]!, 0x27d4eb2f);
    a = (a << 13) | (a >>> 19);
    b = (b << 15) | (b >>> 17);
    c = (c << 11) | (c >>> 21);
    d = (d << 17) | (d >>> 15);
  }
  // Tail: remaining whole words, then remaining bytes, then the length, all folded into lane a.
  for (let i = blocks; i < words; i++) a = rotl32(Math.imul(a ^ u32[i]!, 0x01000193), 13);
  for (let i = words * 4; i < bytes.length; i++) a = rotl32(Math.imul(a ^ bytes[i]!, 0x01000193), 13);
  a = Math.imul(a ^ (bytes.length >>> 0), 0x01000193);
  b = Math.imul(b ^ Math.floor(bytes.length / 2 ** 32), 0x85ebca6b);
  return [fmix32(a), fmix32(b), fmix32(c), fmix32(d)].map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
}
