import type { MultiVector } from '../shared/multivector.js';

/** The index-wide seed of randomised reduction steps unless an index is built with another. */
export const DEFAULT_REDUCTION_SEED = 42;

/** Per-document facts a reduction step may need; none of it is stored. */
export interface ReductionContext {
  /** Leading rows (e.g. [CLS], [D] marker) every step passes through verbatim and never drops. */
  readonly protectedLeadingTokens: number;
  /** Index-wide seed; seeded steps mix it with a hash of the document so results do not depend on order. */
  readonly seed: number;
  /** IDF of a token in the index being built; required by `idf-top`. */
  readonly idf?: (token: string) => number;
  /** Image-patch layout `[rows, cols]` of the document when known (else `MultiVector.grid` is used). */
  readonly grid?: readonly [number, number];
}

/** One step of a reduction pipeline: maps a document's token vectors to fewer (or the same) rows. */
export interface TokenReducer {
  /** Canonical spec of this step, e.g. `ward:2` or `idf-top:0.9`. */
  readonly spec: string;
  /** True for poolers (rows merge several tokens), false for pruners (kept rows are untouched). */
  readonly merges: boolean;
  /** Returns `doc` itself when the step keeps every row. Never mutates `doc`. */
  reduce(doc: MultiVector, ctx: ReductionContext): MultiVector;
}
