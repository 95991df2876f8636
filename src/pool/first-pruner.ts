import type { MultiVector } from '../shared/multivector.js';
import { protectedCount, selectRows } from './rows.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Int32Scratch } from './workspace.js';

/** `first:<k>`: keeps the first k rows (never fewer than the protected rows, never fewer than one). */
export class FirstPruner implements TokenReducer {
  readonly merges = false;
  readonly spec: string;
  private readonly keep = new Int32Scratch();

  constructor(readonly limit: number) {
    this.spec = `first:${limit}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const p = protectedCount(doc, ctx.protectedLeadingTokens);
    const kept = Math.min(doc.count, Math.max(this.limit, p, 1));
    const keep = this.keep.take(kept);
    for (let i = 0; i < kept; i++) keep[i] = i;
    return selectRows(doc, keep, kept);
  }
}
