import type { MultiVector } from '../shared/multivector.js';
import { condensedCosineDistances, unitRows } from './cosine.js';
import { findRoot, labelRoots, LinkageBuilder } from './linkage.js';
import { ClusterMerger, protectedCount } from './rows.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Float64Scratch, Int32Scratch } from './workspace.js';

/**
 * `adaptive:<threshold>`: distortion-bounded pooling. Builds the Ward dendrogram (cosine distance) of the
 * non-protected rows and applies its merges bottom-up, accepting a merge only while every member of the merged
 * cluster stays within `threshold` cosine distance of the cluster's normalised centroid (mean of unit members).
 * A rejected merge freezes both sides, so the result is still a cut of the dendrogram: redundant documents
 * shrink a lot, diverse ones little. Cluster vectors are (re-normalised) means, in order of first member.
 */
export class AdaptivePooler implements TokenReducer {
  readonly merges = true;
  readonly spec: string;
  private readonly linkage = new LinkageBuilder();
  private readonly merger = new ClusterMerger();
  private readonly distances = new Float64Scratch();
  private readonly norms = new Float64Scratch();
  private readonly unit = new Float64Scratch();
  private readonly sums = new Float64Scratch();
  private readonly centroid = new Float64Scratch();
  private readonly parent = new Int32Scratch();
  private readonly nextMember = new Int32Scratch();
  private readonly lastMember = new Int32Scratch();
  private readonly frozen = new Int32Scratch();
  private readonly labels = new Int32Scratch();

  constructor(
    readonly threshold: number,
    readonly renormalize: boolean,
  ) {
    this.spec = `adaptive:${threshold}${renormalize ? '' : ':raw'}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const p = protectedCount(doc, ctx.protectedLeadingTokens);
    const m = doc.count - p;
    if (m <= 1) return doc;
    const dim = doc.dim;
    const distances = this.distances.take((m * (m - 1)) / 2);
    condensedCosineDistances(doc.data, dim, p, m, this.norms.take(m), distances);
    const tree = this.linkage.build(distances, m, 'ward');
    const unit = this.unit.take(m * dim);
    unitRows(doc.data, dim, p, m, unit);
    const sums = this.sums.take(m * dim);
    sums.set(unit.subarray(0, m * dim));
    const centroid = this.centroid.take(dim);
    const parent = this.parent.take(m);
    const nextMember = this.nextMember.take(m);
    const lastMember = this.lastMember.take(m);
    const frozen = this.frozen.take(m);
    for (let i = 0; i < m; i++) {
      parent[i] = i;
      nextMember[i] = -1;
      lastMember[i] = i;
      frozen[i] = 0;
    }
    // The epsilon lets exact duplicates merge at threshold 0 despite rounding in the centroid.
    const limit = 1 - this.threshold - 1e-12;
    for (let t = 0; t < m - 1; t++) {
      const a = findRoot(parent, tree.left[t]!);
      const b = findRoot(parent, tree.right[t]!);
      if (frozen[a] || frozen[b]) {
        frozen[a] = 1;
        frozen[b] = 1;
        continue;
      }
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const v = sums[a * dim + d]! + sums[b * dim + d]!;
        centroid[d] = v;
        s += v * v;
      }
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      let ok = true;
      for (let root = a, pass = 0; pass < 2 && ok; root = b, pass++) {
        for (let i = root; i >= 0; i = nextMember[i]!) {
          let dot = 0;
          for (let d = 0; d < dim; d++) dot += unit[i * dim + d]! * centroid[d]!;
          if (dot * inv < limit) {
            ok = false;
            break;
          }
        }
      }
      if (!ok) {
        frozen[a] = 1;
        frozen[b] = 1;
        continue;
      }
      const keepRoot = a < b ? a : b;
      const other = a < b ? b : a;
      parent[other] = keepRoot;
      for (let d = 0; d < dim; d++) sums[keepRoot * dim + d] = centroid[d]!;
      nextMember[lastMember[keepRoot]!] = other;
      lastMember[keepRoot] = lastMember[other]!;
    }
    const labels = this.labels.take(m);
    const clusters = labelRoots(parent, m, labels);
    if (clusters === m) return doc;
    return this.merger.merge(doc, p, labels, clusters, this.renormalize);
  }
}
