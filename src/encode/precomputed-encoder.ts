import { createHash } from 'node:crypto';
import { UsageError, type MultiVector } from '../shared/index.js';
import type { Encoder, EncoderIdentity } from './encoder.js';

/**
 * Stands in for an encoder when vectors are computed elsewhere (ColPali/ColQwen page embeddings):
 * it fixes the dimension and refuses text, which has no way to reach that vector space here.
 */
export class PrecomputedEncoder implements Encoder {
  readonly identity: EncoderIdentity;
  readonly queryWeighting = 'uniform' as const;
  readonly contextFree = false;
  readonly protectedLeadingTokens = 0;

  constructor(dim: number) {
    this.identity = {
      kind: 'precomputed',
      name: 'precomputed',
      dim,
      hash: createHash('sha256').update(`precomputed:${dim}`).digest('hex').slice(0, 16),
    };
  }

  async encodeDocuments(_texts: readonly string[]): Promise<MultiVector[]> {
    throw new UsageError('this index stores precomputed embeddings: every record needs "embeddings"', 'text_without_encoder');
  }

  async encodeQueries(_texts: readonly string[]): Promise<MultiVector[]> {
    throw new UsageError('this index stores precomputed embeddings: give query embeddings instead of text', 'text_without_encoder');
  }

  async close(): Promise<void> {}
}
