/**
 * Cosine distances, the nearest-neighbour-chain linkage and the cluster means in WebAssembly (cosine.wat and
 * wasm-linkage.wat on one memory), so a document's rows are copied in once and the n x n float64 distance
 * matrix never leaves WebAssembly memory. The arithmetic is the same float64 sequence as
 * `condensedCosineDistancesScalar` + `LinkageBuilder` (only the summation order of dot products differs, by
 * ~1e-16), so cluster assignments still match SciPy. `create` returns null when the runtime lacks WebAssembly SIMD.
 */
import { align16, ensureMemory, kernelMemory, WasmKernel } from '../shared/index.js';
import { WasmCosine } from './cosine.js';
import type { LinkageMethod } from './linkage.js';

/** wasm-linkage.wat's exports (byte addresses and counts; see the source for each contract). */
type LinkageExports = {
  nnChain(n: number, method: number, d: number, sizes: number, active: number, chain: number,
    left: number, right: number, height: number): void;
  pool(n: number, dim: number, stride: number, rows: number, labels: number, clusters: number, renormalize: number,
    sums: number, counts: number, out: number): void;
};

const KERNEL = WasmKernel.load<LinkageExports>(new URL('./wasm-linkage.wasm', import.meta.url), ['nnChain', 'pool']);

const METHOD_CODES: Record<LinkageMethod, number> = { ward: 0, average: 1, complete: 2, single: 3 };

/** Merges in chain order (not sorted by height): merge t joins the clusters holding slots left[t] < right[t]. */
export interface MergeList {
  readonly leaves: number;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly height: Float64Array;
}

/** Owns its kernel instances and their one memory; not re-entrant (one per pooler). */
export class WasmLinkage {
  /** Largest row count taken (its matrix is 8 n^2 bytes, 32 MiB here, and memory never shrinks); callers use
   * the JS path above it. */
  static readonly MAX_ROWS = 2048;

  /** Shape of the last `build` (its float64 rows stay at offset 0 for `pool`) and where its matrix began. */
  private built = { n: 0, dim: 0, stride: 0, scratch: 0 };

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly cosine: WasmCosine,
    private readonly linkage: LinkageExports,
  ) {}

  static create(): WasmLinkage | null {
    const memory = kernelMemory();
    const cosine = WasmCosine.create(memory);
    if (cosine === null || KERNEL === null) return null;
    return new WasmLinkage(memory, cosine, KERNEL.instantiate(memory));
  }

  /**
   * Clusters rows [first, first + n) of `data` on cosine distance with `method`. The returned arrays are views
   * into WebAssembly memory, valid until the next call. A non-finite value is an InputError.
   */
  build(data: Float32Array, dim: number, first: number, n: number, method: LinkageMethod): MergeList {
    const stride = WasmCosine.stride(dim);
    const merges = Math.max(n - 1, 0);
    // Layout (bytes, 16-aligned): f64 rows | f64 norms | f64 sizes | f64 heights | f64 D | f32 staging |
    // i32 active, chain, left, right.
    const rows = 0;
    const norms = align16(rows + n * stride * 8);
    const sizes = align16(norms + n * 8);
    const height = align16(sizes + n * 8);
    const matrix = align16(height + merges * 8);
    const staging = align16(matrix + n * n * 8);
    const active = align16(staging + n * dim * 4);
    const chain = align16(active + n * 4);
    const left = align16(chain + n * 4);
    const right = align16(left + merges * 4);
    ensureMemory(this.memory, right + merges * 4);
    const at = { staging, rows, inverseNorms: norms };
    this.cosine.loadRows(data, dim, first, n, at);
    this.cosine.distances(n, dim, at, matrix, 'full');
    this.linkage.nnChain(n, METHOD_CODES[method], matrix, sizes, active, chain, left, right, height);
    this.built = { n, dim, stride, scratch: matrix };
    const buffer = this.memory.buffer;
    return {
      leaves: n,
      left: new Int32Array(buffer, left, merges),
      right: new Int32Array(buffer, right, merges),
      height: new Float64Array(buffer, height, merges),
    };
  }

  /**
   * Means of the rows of the last `build` by `labels[0..n)` (0..clusters-1), re-normalised when `renormalize`:
   * float32, packed, cluster by cluster; a view into WebAssembly memory valid until the next call. Equals
   * `ClusterMerger` bit for bit.
   */
  pool(labels: Int32Array, clusters: number, renormalize: boolean): Float32Array {
    const { n, dim, stride, scratch } = this.built;
    const sums = scratch;
    const counts = align16(sums + clusters * stride * 8);
    const labelsAt = align16(counts + clusters * 8);
    const out = align16(labelsAt + n * 4);
    ensureMemory(this.memory, out + clusters * dim * 4);
    const buffer = this.memory.buffer;
    new Int32Array(buffer, labelsAt, n).set(labels.subarray(0, n));
    this.linkage.pool(n, dim, stride, 0, labelsAt, clusters, renormalize ? 1 : 0, sums, counts, out);
    return new Float32Array(buffer, out, clusters * dim);
  }
}
