/**
 * MaxSim in WebAssembly SIMD (f32x4): the similarity matrix from src/shared/similarity.wat, norms, rescoring and
 * float16 decoding from maxsim-wasm.wat, both on one memory.
 *
 * Numerics: the SIMD kernel multiplies and accumulates in float32 (four lanes, horizontal add at the end), where
 * `maxSimKernel` accumulates exact float32 products in float64. A float32 dot product of length n is within
 * about (n/4 + 2) * 2^-24 * |q|·|d| of the exact one (~2e-6 relative for unit vectors at dim 128).
 * `scoreFloat32` returns that approximate score. `score` removes the difference: for each query row it recomputes
 * in float64, in `maxSimKernel`'s order, every document row whose float32 similarity is within twice that error
 * bound of the row's float32 maximum (usually one row), so it returns exactly `maxSimKernel`'s value and rankings
 * do not depend on whether the runtime has SIMD.
 */
import { align16, ensureMemory, kernelMemory, SIMILARITY_KERNEL, WasmKernel, type SimilarityExports } from '../shared/index.js';
import { addRowPair, maxSimKernel } from './maxsim.js';

/** Slack after the document rows: the masked tail load reads up to 12 bytes past them, float16 decoding writes 28. */
const TAIL_SLACK_BYTES = 32;
const QUERY_OFFSET = 0;

/** maxsim-wasm.wat's exports (byte addresses and counts; see the source for each contract). */
type MaxSimExports = {
  maxNormSquared(d: number, dCount: number, dim: number): number;
  rescore(q: number, qCount: number, qStride: number, d: number, dCount: number, dim: number,
    sims: number, simsStride: number, thresholds: number, out: number): void;
  decodeFloat16(src: number, dst: number, n: number): void;
};

const KERNEL = WasmKernel.load<MaxSimExports>(new URL('./maxsim-wasm.wasm', import.meta.url), [
  'maxNormSquared', 'rescore', 'decodeFloat16',
]);

const UNIT_ROUNDOFF_F32 = 2 ** -24;
const UNIT_ROUNDOFF_F64 = 2 ** -53;

/**
 * One WebAssembly instance scoring many documents against one query (`setQuery` once per search, then `score`
 * per document). Memory layout: query rows (padded) | document rows | similarity matrix | row maxima.
 * Documents are best decoded straight into `documentBuffer()`; any other array is copied in. Growing memory
 * invalidates earlier `documentBuffer()` views, so take a fresh one per document. Not re-entrant.
 */
export class WasmMaxSim {
  private readonly memory = kernelMemory();
  private readonly kernel: MaxSimExports;
  private readonly similarity: SimilarityExports;
  private floats: Float32Array;
  private bytes: Uint8Array;
  private doubles: Float64Array;
  private dim = 0;
  private queryCount = 0;
  private query = new Float32Array(0);
  private weights: Float32Array | undefined;
  /** Per query row, L2 norm (float64, rounded up) for the float32 error bound. */
  private queryNorms = new Float64Array(0);
  private queryStrideBytes = 0;
  private docOffset = 0;
  private docRowCapacity = 0;
  private simsOffset = 0;
  private simsStrideBytes = 0;
  private bestOffset = 0;
  private thresholdsOffset = 0;
  private exactOffset = 0;
  private stagingOffset = 0;

  private constructor(kernel: WasmKernel<MaxSimExports>, similarity: WasmKernel<SimilarityExports>) {
    this.kernel = kernel.instantiate(this.memory);
    this.similarity = similarity.instantiate(this.memory);
    this.floats = new Float32Array(this.memory.buffer);
    this.bytes = new Uint8Array(this.memory.buffer);
    this.doubles = new Float64Array(this.memory.buffer);
  }

  /** A new instance with its own memory, or null when this runtime lacks WebAssembly SIMD. */
  static create(): WasmMaxSim | null {
    return KERNEL === null || SIMILARITY_KERNEL === null ? null : new WasmMaxSim(KERNEL, SIMILARITY_KERNEL);
  }

  /** Copies the query (rows x dim, optional per-row weights) into memory; later `score` calls use it. */
  setQuery(query: Float32Array, queryCount: number, dim: number, weights?: Float32Array): void {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`MaxSim: dim must be a positive integer, got ${dim}`);
    if (query.length < queryCount * dim) {
      throw new RangeError(`MaxSim: query holds ${query.length} floats, fewer than ${queryCount} rows x dim ${dim}`);
    }
    if (weights !== undefined && weights.length < queryCount) {
      throw new RangeError(`MaxSim: ${weights.length} weights for ${queryCount} query rows`);
    }
    this.dim = dim;
    this.queryCount = queryCount;
    this.query = query.slice(0, queryCount * dim);
    this.weights = weights?.slice(0, queryCount);
    this.queryNorms = new Float64Array(queryCount);
    for (let i = 0; i < queryCount; i++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += this.query[i * dim + t]! ** 2;
      this.queryNorms[i] = Math.sqrt(s) * (1 + 1e-12);
    }
    this.queryStrideBytes = align16(dim * 4);
    this.layout();
    const floats = this.floats;
    const strideFloats = this.queryStrideBytes / 4;
    for (let i = 0; i < queryCount; i++) {
      const at = QUERY_OFFSET / 4 + i * strideFloats;
      floats.set(this.query.subarray(i * dim, (i + 1) * dim), at);
      floats.fill(0, at + dim, at + strideFloats);
    }
  }

  /** Computes region offsets for the current query and document capacity, growing memory as needed. */
  private layout(): void {
    this.docOffset = align16(QUERY_OFFSET + this.queryCount * this.queryStrideBytes);
    this.simsOffset = align16(this.docOffset + this.docRowCapacity * this.dim * 4 + TAIL_SLACK_BYTES);
    this.simsStrideBytes = align16(this.docRowCapacity * 4);
    this.bestOffset = this.simsOffset + this.queryCount * this.simsStrideBytes;
    this.thresholdsOffset = align16(this.bestOffset + this.queryCount * 4);
    this.exactOffset = align16(this.thresholdsOffset + this.queryCount * 4);
    this.stagingOffset = align16(this.exactOffset + this.queryCount * 8);
    if (ensureMemory(this.memory, this.stagingOffset + this.docRowCapacity * this.dim * 2 + 16)) {
      this.floats = new Float32Array(this.memory.buffer);
      this.doubles = new Float64Array(this.memory.buffer);
      this.bytes = new Uint8Array(this.memory.buffer);
    }
  }

  /** Room for `docRows` document rows, preserving the query (which sits before the document region). */
  private reserveDocumentRows(docRows: number): void {
    if (docRows <= this.docRowCapacity) return;
    this.docRowCapacity = Math.max(docRows, this.docRowCapacity * 2);
    this.layout();
  }

  /**
   * Float32Array over the document region (room for the current capacity in rows x dim): pass it as the `out`
   * of `readVectors` so rows decode straight into WebAssembly memory. Empty at first; it grows to the largest
   * document scored since. Valid until the next `setQuery` or a `score` of a larger document.
   */
  documentBuffer(): Float32Array {
    const start = this.docOffset / 4;
    return this.floats.subarray(start, start + this.docRowCapacity * this.dim);
  }

  /**
   * Decodes `docCount` rows stored as little-endian IEEE float16 (the float16 codec's bytes) into the document
   * region in WebAssembly SIMD, bit-exact; returns a view of the decoded rows (valid like `documentBuffer()`).
   */
  decodeFloat16(halves: Uint8Array, docCount: number): Float32Array {
    const n = docCount * this.dim;
    if (halves.length < 2 * n) {
      throw new RangeError(`MaxSim: ${halves.length} float16 bytes, fewer than ${docCount} rows x dim ${this.dim}`);
    }
    this.reserveDocumentRows(docCount);
    // A fresh view of exactly 2n bytes: LMDB's transient read buffers report a `length` shorter than the view's
    // real extent, which TypedArray#set ignores.
    this.bytes.set(new Uint8Array(halves.buffer, halves.byteOffset, 2 * n), this.stagingOffset);
    this.kernel.decodeFloat16(this.stagingOffset, this.docOffset, n);
    return this.floats.subarray(this.docOffset / 4, this.docOffset / 4 + n);
  }

  /** `score` of a document given as float16 bytes, decoded straight into WebAssembly memory. */
  scoreFloat16(halves: Uint8Array, docCount: number, floors?: Float64Array): number {
    return this.score(this.decodeFloat16(halves, docCount), docCount, floors);
  }

  /** Makes `doc`'s first docCount rows the document in memory (no copy when it already is). */
  private placeDocument(doc: Float32Array, docCount: number): void {
    const n = docCount * this.dim;
    if (doc.length < n) throw new RangeError(`MaxSim: document holds ${doc.length} floats, fewer than ${docCount} rows x dim ${this.dim}`);
    if (doc.buffer === this.memory.buffer && doc.byteOffset === this.docOffset) return;
    this.reserveDocumentRows(docCount);
    this.floats.set(doc.length === n ? doc : doc.subarray(0, n), this.docOffset / 4);
  }

  private runKernel(docCount: number): void {
    this.similarity.similarities(
      QUERY_OFFSET, this.queryCount, this.queryStrideBytes, this.docOffset, docCount, this.dim,
      this.simsOffset, this.simsStrideBytes, this.bestOffset,
    );
  }

  /** Float32-accumulated MaxSim: sum_i w_i * max_j dot(q_i, d_j); 0 for an empty document (see file comment). */
  scoreFloat32(doc: Float32Array, docCount: number): number {
    if (docCount === 0 || this.queryCount === 0) return 0;
    this.placeDocument(doc, docCount);
    this.runKernel(docCount);
    const best = this.floats;
    const at = this.bestOffset / 4;
    const weights = this.weights;
    let total = 0;
    for (let i = 0; i < this.queryCount; i++) total += (weights === undefined ? 1 : weights[i]!) * best[at + i]!;
    return total;
  }

  /** MaxSim equal to `maxSimKernel` on the same input (float64 rescoring of near-best rows; see file comment). */
  score(doc: Float32Array, docCount: number, floors?: Float64Array): number {
    if (docCount === 0) return 0;
    const queryCount = this.queryCount;
    if (queryCount === 0) return 0;
    this.placeDocument(doc, docCount);
    this.runKernel(docCount);
    const dim = this.dim;
    const docNorm = Math.sqrt(this.kernel.maxNormSquared(this.docOffset, docCount, dim) * (1 + 1e-4) + 1e-30);
    // Float32 error bound per unit |q|·|d| (lanes of ceil(dim/4) terms + 2 horizontal adds, with margin), plus
    // the float64 reference's own rounding; subnormal results add an absolute error.
    const relativeError = (Math.ceil(dim / 4) + 4) * UNIT_ROUNDOFF_F32 * 1.01 + (dim + 2) * UNIT_ROUNDOFF_F64 * 1.01;
    const errorPerQueryNorm = relativeError * docNorm;
    const absoluteError = (dim + 4) * 2 ** -148;
    const floats = this.floats;
    const queryNorms = this.queryNorms;
    const bestStart = this.bestOffset / 4;
    const thresholdsStart = this.thresholdsOffset / 4;
    for (let i = 0; i < queryCount; i++) {
      let threshold = floats[bestStart + i]! - 2 * (errorPerQueryNorm * queryNorms[i]! + absoluteError);
      // Lowered by more than float32 rounding, so the threshold stored as f32 is still at most the bound.
      threshold -= Math.abs(threshold) * 2 ** -22 + 1e-38;
      if (!Number.isFinite(threshold)) {
        // Overflow or NaN input: no usable bound, so score every row in float64 the scalar way.
        const start = this.docOffset / 4;
        return maxSimKernel(this.query, queryCount, floats.subarray(start, start + docCount * dim), docCount, dim, this.weights, floors);
      }
      floats[thresholdsStart + i] = threshold;
    }
    this.kernel.rescore(
      QUERY_OFFSET, queryCount, this.queryStrideBytes, this.docOffset, docCount, dim,
      this.simsOffset, this.simsStrideBytes, this.thresholdsOffset, this.exactOffset,
    );
    const bestExact = this.doubles;
    const exactStart = this.exactOffset / 8;
    let total = 0;
    for (let i = 0; i < queryCount; i += 2) {
      const paired = i + 1 < queryCount;
      const bestB = paired ? bestExact[exactStart + i + 1]! : 0;
      total = addRowPair(total, i, bestExact[exactStart + i]!, bestB, paired, this.weights, floors);
    }
    return total;
  }
}
