import { residualCodeBytes } from './residual-buckets.js';

/** Largest centroid id width: codebooks of up to 2^24 centroids (ColBERTv2 uses at most 2^18). */
export const MAX_CENTROID_ID_BITS = 24;

/**
 * A document's compressed token vectors as one record: `count` centroid ids of `idBits` bits each, packed
 * least-significant bit first and padded to a byte, then `count` residual codes of `codeBytes` bytes each.
 * The ids come first so candidate scoring can read them without touching the residuals.
 */
export class TokenCodeLayout {
  readonly codeBytes: number;

  constructor(
    readonly idBits: number,
    readonly dim: number,
    readonly nbits: number,
  ) {
    if (!Number.isInteger(idBits) || idBits < 1 || idBits > MAX_CENTROID_ID_BITS) {
      throw new RangeError(`centroid ids must be 1..${MAX_CENTROID_ID_BITS} bits wide, got ${idBits}`);
    }
    this.codeBytes = residualCodeBytes(dim, nbits);
  }

  /** Bits needed for the ids of a codebook of `size` centroids. */
  static idBitsFor(size: number): number {
    return Math.max(1, Math.ceil(Math.log2(Math.max(2, size))));
  }

  idBytes(count: number): number {
    return Math.ceil((count * this.idBits) / 8);
  }

  /** Record size for `count` tokens. */
  bytes(count: number): number {
    return this.idBytes(count) + count * this.codeBytes;
  }

  /** Offset of token `row`'s residual code in a record of `count` tokens. */
  codeOffset(count: number, row: number): number {
    return this.idBytes(count) + row * this.codeBytes;
  }

  writeIds(ids: ArrayLike<number>, count: number, out: Uint8Array): void {
    const bits = this.idBits;
    let acc = 0;
    let held = 0;
    let at = 0;
    for (let i = 0; i < count; i++) {
      acc |= ids[i]! << held;
      held += bits;
      while (held >= 8) {
        out[at++] = acc & 0xff;
        acc >>>= 8;
        held -= 8;
      }
    }
    if (held > 0) out[at] = acc & 0xff;
  }

  readIds(record: Uint8Array, count: number, out: Uint32Array | Int32Array): void {
    const bits = this.idBits;
    const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    let acc = 0;
    let held = 0;
    let at = 0;
    for (let i = 0; i < count; i++) {
      while (held < bits) {
        acc |= record[at++]! << held;
        held += 8;
      }
      out[i] = acc & mask;
      acc >>>= bits;
      held -= bits;
    }
  }
}
