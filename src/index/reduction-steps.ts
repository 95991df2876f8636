/** Vectors left after one step of an index's reduction pipeline (`encoded` = as the encoder gave them). */
export interface ReductionStepCount {
  readonly step: string;
  /** Summed over the documents stored; null when the index recorded no count for the step. */
  readonly vectors: number | null;
}

/** The steps of `reduction` (a canonical spec) paired with the index's summed step counts (`LateIndex.stepCounts`). */
export function reductionStepCounts(reduction: string, stepCounts: readonly number[]): ReductionStepCount[] {
  const steps = ['encoded', ...(reduction === 'none' ? [] : reduction.split(','))];
  return steps.map((step, i) => ({ step, vectors: stepCounts[i] ?? null }));
}
