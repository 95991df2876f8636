import type { Encoder } from '../../encode/index.js';
import type { ReductionPipeline } from '../../pool/index.js';
import { UsageError } from '../../shared/index.js';

/**
 * Whether a new index keeps exact-match recovery data. `requested` undefined: when its encoder is context-free
 * (the only case where the floor restores a similarity) and a reduction step merges rows (after pruning alone,
 * every kept row is a token's own vector, so there is nothing to restore). true for a contextual encoder is a
 * usage error: there is no exact similarity to restore.
 */
export function exactMatchRecoveryFor(
  encoder: Pick<Encoder, 'contextFree' | 'identity'>,
  pipeline: ReductionPipeline,
  requested?: boolean,
): boolean {
  if (requested === true && !encoder.contextFree) {
    throw new UsageError(
      `exact-match recovery needs a context-free encoder (the embedded static one); ${encoder.identity.name} gives a token a different vector in every context`,
      'exact_match_unsupported',
    );
  }
  return requested ?? (encoder.contextFree && pipeline.merges);
}
