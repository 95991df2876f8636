import { Float64Scratch, Int32Scratch } from './workspace.js';

export type LinkageMethod = 'ward' | 'average' | 'complete' | 'single';
export const LINKAGE_METHODS: readonly LinkageMethod[] = ['ward', 'average', 'complete', 'single'];

/**
 * A dendrogram over n leaves: merge t joins the clusters containing leaves `left[t]` and `right[t]` (the
 * NN-chain slots, as in SciPy before relabelling), listed in non-decreasing `height` order (stable for ties,
 * like SciPy's mergesort).
 */
export interface Dendrogram {
  readonly leaves: number;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly height: Float64Array;
}

/**
 * Hierarchical agglomerative clustering over a condensed distance matrix with the nearest-neighbour chain and
 * Lance-Williams updates, O(n^2) time. Mirrors `scipy.cluster.hierarchy.linkage` (its `nn_chain`), including
 * Ward's update applied to the given distances as if they were Euclidean (SciPy squares and square-roots them;
 * it does not expect squared input). Single linkage uses the same chain (SciPy uses an MST; the merge set and
 * heights agree, only the order among equal heights can differ). Buffers are owned by the instance and reused:
 * the returned dendrogram is valid until the next call.
 */
export class LinkageBuilder {
  private readonly sizes = new Int32Scratch();
  private readonly chain = new Int32Scratch();
  private readonly activeSlots = new Int32Scratch();
  private readonly rowBases = new Int32Scratch();
  private readonly lefts = new Int32Scratch();
  private readonly rights = new Int32Scratch();
  private readonly heights = new Float64Scratch();
  private readonly order = new Int32Scratch();
  private readonly sortedLeft = new Int32Scratch();
  private readonly sortedRight = new Int32Scratch();
  private readonly sortedHeight = new Float64Scratch();

  /** Clusters `n` points; `distances` (length n(n-1)/2) is overwritten. */
  build(distances: Float64Array, n: number, method: LinkageMethod): Dendrogram {
    const merges = Math.max(n - 1, 0);
    const size = this.sizes.take(n);
    const chain = this.chain.take(n);
    const left = this.lefts.take(merges);
    const right = this.rights.take(merges);
    const height = this.heights.take(merges);
    // Live clusters in ascending order (SciPy scans in index order; ties go to the first), so scans and
    // updates touch only live slots. rowBase[i] + j is the condensed index of (i, j) for i < j.
    const active = this.activeSlots.take(n);
    const rowBase = this.rowBases.take(n);
    for (let i = 0; i < n; i++) {
      size[i] = 1;
      active[i] = i;
      rowBase[i] = n * i - ((i * (i + 1)) >> 1) - i - 1;
    }
    let activeCount = n;
    const ward = method === 'ward';
    const average = method === 'average';
    const complete = method === 'complete';

    let chainLength = 0;
    for (let t = 0; t < merges; t++) {
      if (chainLength === 0) {
        chain[0] = active[0]!;
        chainLength = 1;
      }
      let x = 0;
      let y = 0;
      let currentMin = Infinity;
      // Walk the chain until two mutual nearest neighbours are found; prefer the previous element on ties.
      for (;;) {
        x = chain[chainLength - 1]!;
        if (chainLength > 1) {
          y = chain[chainLength - 2]!;
          currentMin = distances[x < y ? rowBase[x]! + y : rowBase[y]! + x]!;
        } else {
          currentMin = Infinity;
        }
        const xBase = rowBase[x]!;
        for (let a = 0; a < activeCount; a++) {
          const i = active[a]!;
          if (i === x) continue;
          const d = distances[i < x ? rowBase[i]! + x : xBase + i]!;
          if (d < currentMin) {
            currentMin = d;
            y = i;
          }
        }
        if (chainLength > 1 && y === chain[chainLength - 2]) break;
        chain[chainLength++] = y;
      }
      chainLength -= 2;
      if (x > y) {
        const tmp = x;
        x = y;
        y = tmp;
      }
      const nx = size[x]!;
      const ny = size[y]!;
      left[t] = x;
      right[t] = y;
      height[t] = currentMin;
      size[x] = 0;
      size[y] = nx + ny;
      const xBase = rowBase[x]!;
      const yBase = rowBase[y]!;
      let write = 0;
      for (let a = 0; a < activeCount; a++) {
        const i = active[a]!;
        if (i === x) continue;
        active[write++] = i;
        if (i === y) continue;
        const ni = size[i]!;
        const ix = i < x ? rowBase[i]! + x : xBase + i;
        const iy = i < y ? rowBase[i]! + y : yBase + i;
        const dxi = distances[ix]!;
        const dyi = distances[iy]!;
        let updated: number;
        if (ward) {
          const inv = 1 / (nx + ny + ni);
          updated = Math.sqrt(
            (ni + nx) * inv * dxi * dxi + (ni + ny) * inv * dyi * dyi - ni * inv * currentMin * currentMin,
          );
        } else if (average) {
          updated = (nx * dxi + ny * dyi) / (nx + ny);
        } else if (complete) {
          updated = dxi > dyi ? dxi : dyi;
        } else {
          updated = dxi < dyi ? dxi : dyi;
        }
        distances[iy] = updated;
      }
      activeCount = write;
    }
    return this.sortByHeight(n, merges, left, right, height);
  }

  private sortByHeight(n: number, merges: number, left: Int32Array, right: Int32Array, height: Float64Array): Dendrogram {
    const order = this.order.take(merges).subarray(0, merges);
    for (let t = 0; t < merges; t++) order[t] = t;
    order.sort((a, b) => height[a]! - height[b]! || a - b);
    const sl = this.sortedLeft.take(merges);
    const sr = this.sortedRight.take(merges);
    const sh = this.sortedHeight.take(merges);
    for (let t = 0; t < merges; t++) {
      const o = order[t]!;
      sl[t] = left[o]!;
      sr[t] = right[o]!;
      sh[t] = height[o]!;
    }
    return { leaves: n, left: sl, right: sr, height: sh };
  }
}

/**
 * Flat clustering into `k` clusters: apply the first n - k merges (undo the last k - 1), as SciPy's
 * `fcluster(Z, k, "maxclust")` does for monotone linkages with distinct heights at the cut.
 * Writes cluster labels 0..k-1 into `labels[0..n)`, numbered by first appearance; returns k (clamped to 1..n).
 * `parent` is scratch of length >= n.
 */
export function cutDendrogram(tree: Dendrogram, k: number, labels: Int32Array, parent: Int32Array): number {
  const n = tree.leaves;
  if (n === 0) return 0;
  const clusters = Math.min(Math.max(k, 1), n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let t = 0; t < n - clusters; t++) {
    const a = findRoot(parent, tree.left[t]!);
    const b = findRoot(parent, tree.right[t]!);
    if (a < b) parent[b] = a;
    else parent[a] = b;
  }
  return labelRoots(parent, n, labels);
}

/** Root of `i` with path halving. */
export function findRoot(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    const p = parent[parent[i]!]!;
    parent[i] = p;
    i = p;
  }
  return i;
}

/** Turns a union-find forest into labels 0.. by first appearance; returns the number of clusters. */
export function labelRoots(parent: Int32Array, n: number, labels: Int32Array): number {
  // Roots are the smallest member (unions keep the lower index), so a root is seen before its members.
  let next = 0;
  for (let i = 0; i < n; i++) {
    const r = findRoot(parent, i);
    labels[i] = r === i ? next++ : labels[r]!;
  }
  return next;
}

/**
 * `cutDendrogram` for merges in any order (e.g. NN-chain order): applies the n - k merges that come first in
 * (height, position) order, the same set a stable sort by height would put first. The partition does not
 * depend on the order unions are applied in, so no full sort is needed: one native sort of a copy of the
 * heights finds the threshold. NaN heights count as the largest. `heightScratch` has length >= n - 1.
 */
export function cutMerges(
  merges: { readonly leaves: number; readonly left: Int32Array; readonly right: Int32Array; readonly height: Float64Array },
  k: number,
  labels: Int32Array,
  parent: Int32Array,
  heightScratch: Float64Array,
): number {
  const n = merges.leaves;
  if (n === 0) return 0;
  const clusters = Math.min(Math.max(k, 1), n);
  const apply = n - clusters;
  for (let i = 0; i < n; i++) parent[i] = i;
  if (apply > 0) {
    const { left, right, height } = merges;
    const sorted = heightScratch.subarray(0, n - 1);
    sorted.set(height.subarray(0, n - 1));
    sorted.sort();
    const threshold = sorted[apply - 1]!;
    const thresholdIsNaN = Number.isNaN(threshold);
    let below = 0;
    for (let t = 0; t < n - 1; t++) {
      const h = height[t]!;
      if (thresholdIsNaN ? !Number.isNaN(h) : h < threshold) below++;
    }
    let tiesLeft = apply - below;
    for (let t = 0; t < n - 1; t++) {
      const h = height[t]!;
      const isBelow = thresholdIsNaN ? !Number.isNaN(h) : h < threshold;
      if (!isBelow) {
        const tied = thresholdIsNaN ? Number.isNaN(h) : h === threshold;
        if (!tied || tiesLeft === 0) continue;
        tiesLeft--;
      }
      const a = findRoot(parent, left[t]!);
      const b = findRoot(parent, right[t]!);
      if (a < b) parent[b] = a;
      else parent[a] = b;
    }
  }
  return labelRoots(parent, n, labels);
}
