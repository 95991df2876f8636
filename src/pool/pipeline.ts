import { UsageError } from '../shared/errors.js';
import type { MultiVector } from '../shared/multivector.js';
import type { ReductionContext, TokenReducer } from './types.js';

export interface ReductionResult {
  readonly vectors: MultiVector;
  /** Row counts: `[input, afterStep1, afterStep2, ...]`. */
  readonly stepCounts: number[];
}

/**
 * Steps applied left to right. Each step sees the previous step's output; `ctx.grid` only applies while the
 * document still has its original rows (after a step changes the rows, the current `MultiVector.grid` is used).
 * Steps own scratch buffers, so a pipeline must not be used re-entrantly (one per indexing worker).
 */
export class ReductionPipeline {
  /** Canonical spec: steps' canonical forms joined by ",", or "none". */
  readonly spec: string;

  constructor(readonly steps: readonly TokenReducer[]) {
    this.spec = steps.length === 0 ? 'none' : steps.map((s) => s.spec).join(',');
  }

  get isIdentity(): boolean {
    return this.steps.length === 0;
  }

  /** Whether some step merges rows (a pooler), so a stored row may stand for several tokens. */
  get merges(): boolean {
    return this.steps.some((step) => step.merges);
  }

  apply(doc: MultiVector, ctx: ReductionContext): ReductionResult {
    const p = ctx.protectedLeadingTokens;
    if (!(Number.isInteger(p) && p >= 0)) {
      throw new UsageError(`protectedLeadingTokens must be an integer >= 0, got ${String(p)}`);
    }
    const stepCounts = [doc.count];
    let current = doc;
    for (const step of this.steps) {
      const stepCtx: ReductionContext = current === doc ? ctx : { ...ctx, grid: current.grid };
      current = step.reduce(current, stepCtx);
      stepCounts.push(current.count);
    }
    return { vectors: current, stepCounts };
  }
}
