import { createRequire } from 'node:module';
import type { kmeans as KMeans } from 'ml-kmeans';
import type { MultiVector } from '../shared/multivector.js';
import { ClusterMerger, protectedCount } from './rows.js';
import { KMeansPlusPlus } from './kmeans-plus-plus.js';
import { documentSeed, mulberry32 } from './seed.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Int32Scratch } from './workspace.js';

// ml-kmeans (with ml-matrix) is a large share of every command's start-up to load, and only kmeans steps use it:
// it is required on first use (it is an ES module: require() of ESM needs Node >= 20.19).
const require = createRequire(import.meta.url);
let kmeansModule: { kmeans: typeof KMeans } | undefined;
function kmeans(...args: Parameters<typeof KMeans>): ReturnType<typeof KMeans> {
  kmeansModule ??= require('ml-kmeans') as { kmeans: typeof KMeans };
  return kmeansModule.kmeans(...args);
}

/** Lloyd iterations cap: token clusters settle in a few rounds, and ml-kmeans iterations are costly. */
const KMEANS_MAX_ITERATIONS = 25;

/** How many k-means clusters: a fixed count (integer >= 1) or a ratio of the rows (0 < ratio < 1). */
export type KMeansSize = { readonly kind: 'fixed'; readonly clusters: number } | { readonly kind: 'ratio'; readonly ratio: number };

export function kmeansClusters(size: KMeansSize, pooled: number): number {
  return size.kind === 'fixed' ? size.clusters : Math.max(1, Math.round(size.ratio * pooled));
}

/**
 * `kmeans:<k>` / `kmeans:<ratio>` (CRISP-style) over the non-protected rows: greedy k-means++ seeding
 * (KMeansPlusPlus, seeded from `ctx.seed` and the document's vectors, so indexing is deterministic), then at
 * most 25 Lloyd iterations of `ml-kmeans` (Euclidean) from those centres. k >= m passes through; seeding stops
 * at the number of distinct rows; clusters left empty are dropped. Cluster vectors are (re-normalised) member means, in order of first member.
 */
export class KMeansPooler implements TokenReducer {
  readonly merges = true;
  readonly spec: string;
  private readonly merger = new ClusterMerger();
  private readonly labels = new Int32Scratch();
  private readonly relabel = new Int32Scratch();
  private readonly seeding = new KMeansPlusPlus();

  constructor(
    readonly size: KMeansSize,
    readonly renormalize: boolean,
  ) {
    const param = size.kind === 'fixed' ? String(size.clusters) : String(size.ratio);
    this.spec = `kmeans:${param}${renormalize ? '' : ':raw'}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const p = protectedCount(doc, ctx.protectedLeadingTokens);
    const m = doc.count - p;
    const dim = doc.dim;
    let k = kmeansClusters(this.size, m);
    if (m <= 1 || k >= m) return doc;
    const centres = this.seeding.choose(doc.data, dim, p, m, k, mulberry32(documentSeed(ctx.seed, doc)));
    k = this.seeding.count;
    const labels = this.labels.take(m);
    if (k === 1) {
      labels.fill(0, 0, m);
      return this.merger.merge(doc, p, labels, 1, this.renormalize);
    }
    const points: number[][] = new Array<number[]>(m);
    for (let i = 0; i < m; i++) points[i] = Array.from(doc.data.subarray((p + i) * dim, (p + i + 1) * dim));
    const initialization: number[][] = new Array<number[]>(k);
    for (let c = 0; c < k; c++) initialization[c] = points[centres[c]!]!.slice();
    const result = kmeans(points, k, { initialization, maxIterations: KMEANS_MAX_ITERATIONS });
    const relabel = this.relabel.take(k);
    relabel.fill(-1, 0, k);
    let clusters = 0;
    for (let i = 0; i < m; i++) {
      const c = result.clusters[i]!;
      if (relabel[c] === -1) relabel[c] = clusters++;
      labels[i] = relabel[c]!;
    }
    return this.merger.merge(doc, p, labels, clusters, this.renormalize);
  }
}
