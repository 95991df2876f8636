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

export { mulberry32 } from '../shared/random.js';
