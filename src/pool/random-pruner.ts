import type { MultiVector } from '../shared/multivector.js';
import { ratioPruning, selectRows } from './rows.js';
import { documentSeed, mulberry32 } from './seed.js';
import type { ReductionContext, TokenReducer } from './types.js';
import { Int32Scratch } from './workspace.js';

/**
 * `random:<ratio>`: keeps a uniformly random ceil(ratio * m) of the non-protected rows, in original order. The
 * PRNG is seeded from `ctx.seed` and the document's vectors, so re-indexing gives the same rows.
 */
export class RandomPruner implements TokenReducer {
  readonly merges = false;
  readonly spec: string;
  private readonly pool = new Int32Scratch();
  private readonly keep = new Int32Scratch();

  constructor(readonly ratio: number) {
    this.spec = `random:${ratio}`;
  }

  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector {
    const shape = ratioPruning(doc, ctx.protectedLeadingTokens, this.ratio);
    if (!shape) return doc;
    const { p, m, budget } = shape;
    const random = mulberry32(documentSeed(ctx.seed, doc));
    const pool = this.pool.take(m);
    for (let i = 0; i < m; i++) pool[i] = i;
    // Partial Fisher-Yates: the first `budget` slots end up a uniform sample without replacement.
    for (let i = 0; i < budget; i++) {
      const j = i + Math.floor(random() * (m - i));
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
    }
    const chosen = pool.subarray(0, budget).sort();
    const keep = this.keep.take(p + budget);
    for (let i = 0; i < p; i++) keep[i] = i;
    for (let r = 0; r < budget; r++) keep[p + r] = p + chosen[r]!;
    return selectRows(doc, keep, p + budget);
  }
}
