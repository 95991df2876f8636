import type { MultiVector } from '../shared/multivector.js';
import { UsageError } from '../shared/errors.js';
import { ratioPruning, selectRows } from './rows.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Float64Scratch, Int32Scratch } from './workspace.js';

/**
 * `idf-top:<ratio>`: keeps the ceil(ratio * m) non-protected rows with the highest `ctx.idf(token)` (ties: the
 * earlier row), in their original order, plus the protected rows. Documents without `tokens` pass through;
 * a missing `ctx.idf` is a UsageError (the index must supply IDF statistics to use this step).
 */
export class IdfTopPruner implements TokenReducer {
  readonly merges = false;
  readonly spec: string;
  private readonly keep = new Int32Scratch();
  private readonly order = new Int32Scratch();
  private readonly idfs = new Float64Scratch();

  constructor(readonly ratio: number) {
    this.spec = `idf-top:${ratio}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const tokens = doc.tokens;
    if (!tokens) return doc;
    const idf = ctx.idf;
    if (!idf) throw new UsageError(`reduction step "${this.spec}" needs IDF statistics, but none were provided`, 'idf_unavailable');
    const shape = ratioPruning(doc, ctx.protectedLeadingTokens, this.ratio);
    if (!shape) return doc;
    const { p, m, budget } = shape;
    const idfs = this.idfs.take(m);
    for (let i = 0; i < m; i++) {
      const value = idf(tokens[p + i] ?? '');
      idfs[i] = Number.isFinite(value) ? value : 0;
    }
    const order = this.order.take(m).subarray(0, m);
    for (let i = 0; i < m; i++) order[i] = i;
    order.sort((a, b) => idfs[b]! - idfs[a]! || a - b);
    const chosen = order.subarray(0, budget).sort();
    const keep = this.keep.take(p + budget);
    for (let i = 0; i < p; i++) keep[i] = i;
    for (let r = 0; r < budget; r++) keep[p + r] = p + chosen[r]!;
    return selectRows(doc, keep, p + budget);
  }
}
