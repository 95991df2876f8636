import { Float64Scratch, Int32Scratch } from './workspace.js';

/**
 * Greedy k-means++ seeding (as scikit-learn: 2 + floor(ln k) candidate draws per centre, keep the one that
 * lowers the potential most) over rows [first, first + m) of `data`, squared Euclidean distance, driven by
 * `random`. Returns the chosen row offsets (relative to `first`) in `centres[0..count)`; stops early when every
 * remaining row coincides with a centre, so count <= k. Written over typed arrays because ml-kmeans's own
 * initialiser allocates per pair and dominated pooling time.
 */
export class KMeansPlusPlus {
  private readonly closest = new Float64Scratch();
  private readonly candidateDistances = new Float64Scratch();
  private readonly bestDistances = new Float64Scratch();
  private readonly chosen = new Int32Scratch();

  choose(data: Float32Array, dim: number, first: number, m: number, k: number, random: () => number): Int32Array {
    const centres = this.chosen.take(k);
    let closest = this.closest.take(m);
    let candidate = this.candidateDistances.take(m);
    let best = this.bestDistances.take(m);
    const trials = 2 + Math.floor(Math.log(k));
    centres[0] = Math.min(m - 1, Math.floor(random() * m));
    let potential = distancesTo(data, dim, first, m, centres[0]!, closest, null);
    let count = 1;
    while (count < k && potential > 0) {
      let bestPotential = Infinity;
      let bestRow = -1;
      for (let t = 0; t < trials; t++) {
        const row = sampleProportional(closest, m, potential, random());
        const p = distancesTo(data, dim, first, m, row, candidate, closest);
        if (p < bestPotential) {
          bestPotential = p;
          bestRow = row;
          const swap = best;
          best = candidate;
          candidate = swap;
        }
      }
      centres[count++] = bestRow;
      const swap = closest;
      closest = best;
      best = swap;
      potential = bestPotential;
    }
    this.count = count;
    return centres;
  }

  /** Number of centres chosen by the last `choose`. */
  count = 0;
}

/** out[i] = min(previous[i], ||x_i - x_row||^2) (or just the distance when `previous` is null); returns the sum. */
function distancesTo(
  data: Float32Array,
  dim: number,
  first: number,
  m: number,
  row: number,
  out: Float64Array,
  previous: Float64Array | null,
): number {
  const ro = (first + row) * dim;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const io = (first + i) * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const diff = data[io + d]! - data[ro + d]!;
      s += diff * diff;
    }
    if (previous !== null && previous[i]! < s) s = previous[i]!;
    out[i] = s;
    sum += s;
  }
  return sum;
}

/** Index drawn with probability weights[i] / total, from a uniform draw u in [0, 1). */
function sampleProportional(weights: Float64Array, m: number, total: number, u: number): number {
  let target = u * total;
  let last = 0;
  for (let i = 0; i < m; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    last = i;
    if (target < w) return i;
    target -= w;
  }
  return last;
}
