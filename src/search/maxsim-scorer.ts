import type { MultiVector } from '../shared/index.js';
import { maxSimKernel } from './maxsim.js';
import { WasmMaxSim } from './maxsim-wasm.js';

export type MaxSimBackend = 'wasm-simd' | 'scalar';

/**
 * Scores many documents against one query: `setQuery` once per search, then per document decode its rows into
 * `documentBuffer()` (e.g. as the `out` of `readVectors`, taking a fresh buffer each time) and call `score`.
 * Every backend returns exactly `maxSimKernel`'s value, so rankings do not depend on the backend. Not re-entrant.
 */
export interface MaxSimScorer {
  readonly backend: MaxSimBackend;
  setQuery(query: MultiVector): void;
  /** Where the next document's rows should be written; may be shorter than the document (then pass any array). */
  documentBuffer(): Float32Array;
  /**
   * MaxSim of the query against the first `docCount` rows of `doc` (0 for an empty document); `floors` bounds
   * each query row's best similarity from below (see `maxSimKernel`).
   */
  score(doc: Float32Array, docCount: number, floors?: Float64Array): number;
  /** Same as `score` for rows stored as little-endian IEEE float16 bytes, decoded in SIMD (WASM backend only). */
  readonly scoreFloat16?: (halves: Uint8Array, docCount: number, floors?: Float64Array) => number;
}

/** The scalar JS kernel with a decode buffer that grows to the largest document seen. */
class ScalarMaxSimScorer implements MaxSimScorer {
  readonly backend = 'scalar';
  private buffer = new Float32Array(0);
  private query: MultiVector = { dim: 1, count: 0, data: new Float32Array(0) };

  setQuery(query: MultiVector): void {
    this.query = query;
  }

  documentBuffer(): Float32Array {
    return this.buffer;
  }

  score(doc: Float32Array, docCount: number, floors?: Float64Array): number {
    const { data, count, dim, weights } = this.query;
    if (doc.buffer !== this.buffer.buffer && doc.length > this.buffer.length) {
      // The document did not fit: grow so the next ones of this size decode in place.
      this.buffer = new Float32Array(Math.max(doc.length, this.buffer.length * 2));
    }
    return maxSimKernel(data, count, doc, docCount, dim, weights, floors);
  }
}

/** WebAssembly SIMD kernel with exact float64 rescoring (see maxsim-wasm.ts). */
class WasmMaxSimScorer implements MaxSimScorer {
  readonly backend = 'wasm-simd';
  constructor(private readonly kernel: WasmMaxSim) {}

  setQuery(query: MultiVector): void {
    this.kernel.setQuery(query.data, query.count, query.dim, query.weights);
  }

  documentBuffer(): Float32Array {
    return this.kernel.documentBuffer();
  }

  score(doc: Float32Array, docCount: number, floors?: Float64Array): number {
    return this.kernel.score(doc, docCount, floors);
  }

  readonly scoreFloat16 = (halves: Uint8Array, docCount: number, floors?: Float64Array): number =>
    this.kernel.scoreFloat16(halves, docCount, floors);
}

/** The backend this runtime uses, decided once at load: WebAssembly SIMD when it validates, else scalar JS. */
export const MAXSIM_BACKEND: MaxSimBackend = WasmMaxSim.create() === null ? 'scalar' : 'wasm-simd';

/** A scorer on `backend` (default `MAXSIM_BACKEND`); asking for `wasm-simd` where it is unavailable throws. */
export function createMaxSimScorer(backend: MaxSimBackend = MAXSIM_BACKEND): MaxSimScorer {
  if (backend === 'scalar') return new ScalarMaxSimScorer();
  const kernel = WasmMaxSim.create();
  if (kernel === null) throw new RangeError('MaxSim: WebAssembly SIMD is not available on this runtime');
  return new WasmMaxSimScorer(kernel);
}
