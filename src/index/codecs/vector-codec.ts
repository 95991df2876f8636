/**
 * Packs a document's token vectors into bytes for LMDB and back. Most codecs are fixed-width per vector
 * (`FixedWidthCodec`); the PLAID codec bit-packs centroid ids across a document. A trained codec (e.g. residual) carries its learned state in `state()` so the index
 * can persist it and rebuild the codec with `createCodec(name, dim, state)`.
 */
export interface VectorCodec {
  readonly name: string;
  /** Encoded bytes of a document of `count` vectors of `dim` floats (what `encode` returns and `decode` reads). */
  payloadBytes(count: number, dim: number): number;
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

/** What training a codec measured: the sample it used and the reconstruction quality on held-out vectors. */
export interface CodecTrainingReport {
  /** Vectors in the sample handed to `train` (before the held-out split). */
  readonly sampleVectors: number;
  /** Vectors the centroids and bucket cut-offs were fitted on. */
  readonly trainVectors: number;
  /** Vectors kept out of fitting and used for the figures below (the fitted ones when the sample is tiny). */
  readonly heldOutVectors: number;
  readonly centroids: number;
  /** Mean ||x - decode(encode(x))||^2 over the held-out vectors (inputs are unit rows). */
  readonly meanSquaredError: number;
  /** Mean cosine between each held-out vector and its reconstruction. */
  readonly meanCosine: number;
}

export interface TrainingPlan {
  readonly expectedVectors?: number;
}

/**
 * A codec that must learn parameters from a sample before it can encode (residual codes). `encode` throws a
 * `codec_untrained` LateIndexError until `train` or `restore` ran.
 */
export interface TrainableCodec extends VectorCodec {
  readonly trained: boolean;
  /**
   * Fits the codec to `sample` (rows of `dim` floats); deterministic for a given sample. `plan.expectedVectors`
   * (how many vectors the index will hold) sizes a codebook that grows with the corpus (PLAID).
   */
  train(sample: Float32Array, dim: number, plan?: TrainingPlan): CodecTrainingReport;
  /** Loads parameters written by `state()` (throws IndexFormatError on a malformed state). */
  restore(state: Uint8Array): void;
  state(): Uint8Array;
  /** The training figures, once trained. */
  training(): CodecTrainingReport | undefined;
}

/** A codec whose payload is `count * bytesPerVector(dim)`. */
export interface FixedWidthCodec extends VectorCodec {
  bytesPerVector(dim: number): number;
}

export function isTrainableCodec(codec: VectorCodec): codec is TrainableCodec {
  return typeof (codec as Partial<TrainableCodec>).train === 'function';
}

/** Little-endian hosts only: every codec writes multi-byte values little-endian and reads them via typed views. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function checkDecodeArgs(codec: VectorCodec, bytes: Uint8Array, count: number, dim: number, out: Float32Array): void {
  const need = codec.payloadBytes(count, dim);
  if (bytes.length < need) {
    throw new RangeError(`${codec.name} codec: ${bytes.length} bytes cannot hold ${count} vectors of dim ${dim} (${need} bytes)`);
  }
  if (out.length < count * dim) {
    throw new RangeError(`${codec.name} codec: output holds ${out.length} floats, ${count * dim} needed`);
  }
}
