/**
 * Packs a document's token vectors into bytes for LMDB and back. Stateless codecs are fixed-width
 * (`bytesPerVector`); a trained codec (e.g. residual) carries its learned state in `state()` so the index
 * can persist it and rebuild the codec with `createCodec(name, dim, state)`.
 */
export interface VectorCodec {
  readonly name: string;
  /** Encoded bytes for one vector of `dim` floats (the payload of `count` vectors is `count * bytesPerVector`). */
  bytesPerVector(dim: number): number;
  /** Encodes `rows.length / dim` vectors; the result owns its buffer. */
  encode(rows: Float32Array, dim: number): Uint8Array;
  /**
   * Decodes `count` vectors of `dim` floats from `bytes` into `out[0 .. count*dim)`. `bytes` may be an unaligned
   * view into a transient buffer (LMDB getBinaryFast): implementations must not keep a reference to it.
   */
  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array;
  /** Learned parameters to persist beside the index; absent for stateless codecs. */
  state?(): Uint8Array;
}

/** Little-endian hosts only: every codec writes multi-byte values little-endian and reads them via typed views. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function checkDecodeArgs(codec: VectorCodec, bytes: Uint8Array, count: number, dim: number, out: Float32Array): void {
  const need = count * codec.bytesPerVector(dim);
  if (bytes.length < need) {
    throw new RangeError(`${codec.name} codec: ${bytes.length} bytes cannot hold ${count} vectors of dim ${dim} (${need} bytes)`);
  }
  if (out.length < count * dim) {
    throw new RangeError(`${codec.name} codec: output holds ${out.length} floats, ${count * dim} needed`);
  }
}
