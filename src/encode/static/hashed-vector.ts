/**
 * Deterministic vectors for out-of-vocabulary words, so that exact matches of rare terms (gene names,
 * numbers, chemical names) still score 1 under MaxSim while unrelated words stay near-orthogonal.
 *
 * The word's UTF-16 code units are hashed (cyrb128) into a 128-bit seed for an sfc32 generator; each
 * component is the sum of four uniforms minus 2 (Irwin-Hall, Gaussian-ish, so the direction is close to
 * uniform on the sphere), then the row is L2-normalised. Only integer and + - * / sqrt arithmetic is used, so
 * the result is bit-identical on every platform. Changing any of this changes HASHED_VECTOR_SPEC.
 */
export const HASHED_VECTOR_SPEC = 'cyrb128-sfc32-irwinhall4-l2:v1';

const UNIFORMS_PER_COMPONENT = 4;
const TWO_POW_32 = 2 ** 32;

/** Writes the unit vector of `word` into `out[offset .. offset + dim)`. */
export function writeHashedVector(word: string, dim: number, out: Float32Array, offset: number): void {
  // cyrb128 (bryc, public domain)
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < word.length; i++) {
    const k = word.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  // sfc32 (Chris Doty-Humphrey, public domain), warmed up so that similar seeds diverge.
  let a = h1 | 0;
  let b = h2 | 0;
  let c = h3 | 0;
  let d = h4 | 0;
  let norm = 0;
  for (let step = -12; step < dim * UNIFORMS_PER_COMPONENT; step++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    if (step < 0) continue;
    const j = (step / UNIFORMS_PER_COMPONENT) | 0;
    const uniform = (t >>> 0) / TWO_POW_32;
    if (step % UNIFORMS_PER_COMPONENT === 0) out[offset + j] = uniform - UNIFORMS_PER_COMPONENT / 2;
    else out[offset + j]! += uniform;
    if (step % UNIFORMS_PER_COMPONENT === UNIFORMS_PER_COMPONENT - 1) norm += out[offset + j]! * out[offset + j]!;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < dim; j++) out[offset + j]! *= inv;
}
