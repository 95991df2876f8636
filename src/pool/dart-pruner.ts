import type { MultiVector } from '../shared/multivector.js';
import { rowDot, unitRows } from './cosine.js';
import { ratioPruning, selectRows } from './rows.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Float64Scratch, Int32Scratch } from './workspace.js';

/** Pivots for a budget of b rows: round(sqrt(b)), at least 1, at most b. */
export function dartPivotCount(budget: number): number {
  return Math.min(budget, Math.max(1, Math.round(Math.sqrt(budget))));
}

/**
 * `dart:<ratio>` (DART, duplication-aware pruning): keeps ceil(ratio * m) = b non-protected rows.
 * Pivots (round(sqrt(b)) of them): the first is the most central row (highest mean cosine similarity to the
 * others, i.e. the most duplicated), further ones are farthest-point picks from the pivots so far, so each mode
 * of the document gets a pivot. Every other row's duplication score is its highest cosine similarity to a pivot;
 * the b - pivots rows with the lowest scores are kept with the pivots (ties: earlier row), in document order.
 */
export class DartPruner implements TokenReducer {
  readonly merges = false;
  readonly spec: string;
  private readonly unit = new Float64Scratch();
  private readonly score = new Float64Scratch();
  private readonly isPivot = new Int32Scratch();
  private readonly order = new Int32Scratch();
  private readonly keep = new Int32Scratch();

  constructor(readonly ratio: number) {
    this.spec = `dart:${ratio}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const shape = ratioPruning(doc, ctx.protectedLeadingTokens, this.ratio);
    if (!shape) return doc;
    const { p, m, budget } = shape;
    const dim = doc.dim;
    const unit = this.unit.take(m * dim);
    unitRows(doc.data, dim, p, m, unit);
    const score = this.score.take(m);
    const isPivot = this.isPivot.take(m);
    isPivot.fill(0, 0, m);

    // First pivot: the most central row.
    let first = 0;
    let bestCentrality = -Infinity;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) if (j !== i) s += rowDot(unit, dim, i, j);
      if (s > bestCentrality) {
        bestCentrality = s;
        first = i;
      }
    }
    // score[i] = max similarity to any pivot so far; the next pivot is the row with the lowest score.
    score.fill(-Infinity, 0, m);
    const pivots = dartPivotCount(budget);
    let pivot = first;
    for (let t = 0; t < pivots; t++) {
      isPivot[pivot] = 1;
      let next = -1;
      for (let i = 0; i < m; i++) {
        if (isPivot[i]) continue;
        const s = rowDot(unit, dim, pivot, i);
        if (s > score[i]!) score[i] = s;
        if (next < 0 || score[i]! < score[next]!) next = i;
      }
      if (next < 0) break;
      pivot = next;
    }
    const order = this.order.take(m).subarray(0, m);
    let candidates = 0;
    for (let i = 0; i < m; i++) if (!isPivot[i]) order[candidates++] = i;
    const ranked = order.subarray(0, candidates).sort((a, b) => score[a]! - score[b]! || a - b);
    for (let r = 0; r < budget - pivots; r++) isPivot[ranked[r]!] = 1;
    const keep = this.keep.take(p + budget);
    let kept = 0;
    for (let i = 0; i < p; i++) keep[kept++] = i;
    for (let i = 0; i < m; i++) if (isPivot[i]) keep[kept++] = p + i;
    return selectRows(doc, keep, kept);
  }
}
