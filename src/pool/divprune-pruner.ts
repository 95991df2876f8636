import type { MultiVector } from '../shared/multivector.js';
import { rowDot, unitRows } from './cosine.js';
import { ratioPruning, selectRows } from './rows.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Float64Scratch, Int32Scratch } from './workspace.js';

/**
 * `divprune:<ratio>` (DivPrune, max-min diversity): greedy farthest-point selection of ceil(ratio * m)
 * non-protected rows under cosine distance. Protected rows count as already selected. With no protected rows
 * the first pick is the row least similar to the document's mean direction (its most atypical token); every
 * later pick maximises its minimum distance to the picks so far. Ties go to the earlier row; output keeps
 * document order.
 */
export class DivPrunePruner implements TokenReducer {
  readonly merges = false;
  readonly spec: string;
  private readonly unit = new Float64Scratch();
  private readonly minDistance = new Float64Scratch();
  private readonly mean = new Float64Scratch();
  private readonly keep = new Int32Scratch();
  private readonly picked = new Int32Scratch();

  constructor(readonly ratio: number) {
    this.spec = `divprune:${ratio}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const shape = ratioPruning(doc, ctx.protectedLeadingTokens, this.ratio);
    if (!shape) return doc;
    const { p, m, budget } = shape;
    const dim = doc.dim;
    // Rows 0..p-1 of `unit` are the protected rows, p..n-1 the candidates.
    const unit = this.unit.take(doc.count * dim);
    unitRows(doc.data, dim, 0, doc.count, unit);
    const minDistance = this.minDistance.take(m);
    const picked = this.picked.take(m);
    picked.fill(0, 0, m);
    minDistance.fill(Infinity, 0, m);
    for (let q = 0; q < p; q++) {
      for (let i = 0; i < m; i++) {
        const d = 1 - rowDot(unit, dim, q, p + i);
        if (d < minDistance[i]!) minDistance[i] = d;
      }
    }
    let first = 0;
    if (p === 0) first = this.leastTypical(unit, dim, m);
    else first = argMaxUnpicked(minDistance, picked, m);
    for (let r = 0; r < budget; r++) {
      const pick = r === 0 ? first : argMaxUnpicked(minDistance, picked, m);
      picked[pick] = 1;
      for (let i = 0; i < m; i++) {
        if (picked[i]) continue;
        const d = 1 - rowDot(unit, dim, p + pick, p + i);
        if (d < minDistance[i]!) minDistance[i] = d;
      }
    }
    const keep = this.keep.take(p + budget);
    let kept = 0;
    for (let i = 0; i < p; i++) keep[kept++] = i;
    for (let i = 0; i < m; i++) if (picked[i]) keep[kept++] = p + i;
    return selectRows(doc, keep, kept);
  }

  private leastTypical(unit: Float64Array, dim: number, m: number): number {
    const mean = this.mean.take(dim);
    mean.fill(0, 0, dim);
    for (let i = 0; i < m; i++) for (let d = 0; d < dim; d++) mean[d]! += unit[i * dim + d]!;
    let best = 0;
    let bestSimilarity = Infinity;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += unit[i * dim + d]! * mean[d]!;
      if (s < bestSimilarity) {
        bestSimilarity = s;
        best = i;
      }
    }
    return best;
  }
}

function argMaxUnpicked(values: Float64Array, picked: Int32Array, m: number): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < m; i++) {
    if (picked[i]) continue;
    if (best < 0 || values[i]! > bestValue) {
      best = i;
      bestValue = values[i]!;
    }
  }
  return best;
}
