import { murmur3x86_128 } from '../../../shared/murmur.js';

/** Bytes of a distinct-vector key in the `vectorLabels` database. */
export const VECTOR_KEY_BYTES = 16;

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
  murmur3x86_128(words, offset, length, out, outOffset);
}
