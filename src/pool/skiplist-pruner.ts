import type { MultiVector } from '../shared/multivector.js';
import { protectedCount, selectRows } from './rows.js';
import { isSkippableToken } from './stopwords.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Int32Scratch } from './workspace.js';

/**
 * `skiplist`: drops non-protected rows whose token is an English stopword or punctuation. Documents without
 * `tokens` pass through. If every row would go, the first non-protected row is kept (a pruner never empties).
 */
export class SkiplistPruner implements TokenReducer {
  readonly merges = false;
  readonly spec = 'skiplist';
  private readonly keep = new Int32Scratch();

  constructor(private readonly isSkippable: (token: string) => boolean = isSkippableToken) {}

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const tokens = doc.tokens;
    if (!tokens || doc.count === 0) return doc;
    const p = protectedCount(doc, ctx.protectedLeadingTokens);
    const keep = this.keep.take(doc.count);
    let kept = 0;
    for (let i = 0; i < p; i++) keep[kept++] = i;
    for (let i = p; i < doc.count; i++) {
      const token = tokens[i];
      if (token === undefined || !this.isSkippable(token)) keep[kept++] = i;
    }
    if (kept === 0) keep[kept++] = 0;
    return selectRows(doc, keep, kept);
  }
}
