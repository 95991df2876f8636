import type { MultiVector } from '../shared/multivector.js';
import { condensedCosineDistances } from './cosine.js';
import { cutDendrogram, cutMerges, LinkageBuilder, type LinkageMethod } from './linkage.js';
import { ClusterMerger, mergedRowMembers, protectedCount } from './rows.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { WasmLinkage } from './wasm-linkage.js';
import { Float64Scratch, Int32Scratch } from './workspace.js';

/** `wasm`: distances and NN-chain in one WebAssembly module (default when available); `js`: the reference path. */
export type LinkageBackend = 'wasm' | 'js';

/** Number of clusters for `pooled` rows at pool factor `factor`: max(floor(pooled / factor), 1). */
export function clustersForFactor(pooled: number, factor: number): number {
  return Math.max(Math.floor(pooled / factor), 1);
}

/**
 * Agglomerative token pooling (Clavié et al. 2024 for Ward; Agglomerative Token Clustering for the other
 * linkages): the non-protected rows are clustered on cosine distance into max(floor(m / factor), 1) clusters,
 * exactly as SciPy's `fcluster(linkage(pdist(X, "cosine"), method), k, "maxclust")`, and each cluster becomes
 * its (re-normalised unless `renormalize` is false) mean. Output: protected rows, then clusters in order of
 * their first member.
 */
export class HierarchicalPooler implements TokenReducer {
  readonly merges = true;
  readonly spec: string;
  private readonly linkage = new LinkageBuilder();
  private readonly merger = new ClusterMerger();
  private readonly distances = new Float64Scratch();
  private readonly norms = new Float64Scratch();
  private readonly labels = new Int32Scratch();
  private readonly parent = new Int32Scratch();
  private readonly wasm: WasmLinkage | null;

  constructor(
    readonly method: LinkageMethod,
    readonly factor: number,
    readonly renormalize: boolean,
    spec?: string,
    backend: LinkageBackend = 'wasm',
  ) {
    this.spec = spec ?? `${method}:${factor}${renormalize ? '' : ':raw'}`;
    this.wasm = backend === 'wasm' ? WasmLinkage.create() : null;
  }

  /** The path actually used (`js` when WebAssembly SIMD is unavailable). */
  get backend(): LinkageBackend {
    return this.wasm === null ? 'js' : 'wasm';
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const p = protectedCount(doc, ctx.protectedLeadingTokens);
    const m = doc.count - p;
    const k = clustersForFactor(m, this.factor);
    if (m <= 1 || k >= m) return doc;
    const labels = this.partition(doc.data, doc.dim, p, m, k);
    if (this.wasm === null || m > WasmLinkage.MAX_ROWS) return this.merger.merge(doc, p, labels, k, this.renormalize);
    const dim = doc.dim;
    const data = new Float32Array((p + k) * dim);
    data.set(doc.data.subarray(0, p * dim), 0);
    data.set(this.wasm.pool(labels, k, this.renormalize), p * dim);
    return { dim, count: p + k, data, ...mergedRowMembers(doc, p, labels, k) };
  }

  /** Cluster labels (0..k-1 by first appearance) of rows [first, first + m); valid until the next call. */
  partition(data: Float32Array, dim: number, first: number, m: number, k: number): Int32Array {
    if (this.wasm !== null && m <= WasmLinkage.MAX_ROWS) {
      const merges = this.wasm.build(data, dim, first, m, this.method);
      const labels = this.labels.take(m);
      cutMerges(merges, k, labels, this.parent.take(m), this.distances.take(m));
      return labels;
    }
    const distances = this.distances.take((m * (m - 1)) / 2);
    condensedCosineDistances(data, dim, first, m, this.norms.take(m), distances);
    const tree = this.linkage.build(distances, m, this.method);
    const labels = this.labels.take(m);
    cutDendrogram(tree, k, labels, this.parent.take(m));
    return labels;
  }
}
