import type { MultiVector } from '../shared/multivector.js';

/**
 * 32-bit seed from the index seed and the document's vector bytes (FNV-1a over the float bits, then a murmur3
 * finaliser), so seeded steps are deterministic per document and independent of corpus order.
 */
export function documentSeed(seed: number, doc: MultiVector): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  h = Math.imul(h, 0x01000193) >>> 0;
  const bits = new Uint32Array(doc.data.buffer, doc.data.byteOffset, doc.data.length);
  for (let i = 0; i < bits.length; i++) {
    h = Math.imul(h ^ bits[i]!, 0x01000193) >>> 0;
  }
  h ^= doc.count;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mulberry32: small, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
