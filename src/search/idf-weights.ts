import type { Encoder } from '../encode/encoder.js';
import { LateIndexError, idf, type MultiVector } from '../shared/index.js';
import type { SearchableIndex } from './searchable-index.js';

export { idf } from '../shared/index.js';

/**
 * Returns `query` with per-row IDF weights from the index's document frequencies of `query.tokens`.
 * Tokens unknown to the index (df = 0) get the maximum IDF. Throws when the query carries no tokens.
 */
export function idfWeights(
  query: MultiVector,
  index: Pick<SearchableIndex, 'counts' | 'documentFrequency'>,
): MultiVector {
  const tokens = query.tokens;
  if (tokens === undefined || tokens.length !== query.count) {
    throw new LateIndexError(
      'query_tokens_missing',
      `IDF query weighting needs one token string per query row (got ${tokens?.length ?? 0} for ${query.count} rows)`,
    );
  }
  const documentCount = index.counts().documents;
  const weights = new Float32Array(query.count);
  const cache = new Map<string, number>();
  for (let i = 0; i < query.count; i++) {
    const token = tokens[i]!;
    let weight = cache.get(token);
    if (weight === undefined) {
      weight = idf(index.documentFrequency(token), documentCount);
      cache.set(token, weight);
    }
    weights[i] = weight;
  }
  return { ...query, weights };
}

/** Applies the encoder's query weighting: IDF weights for `idf`, the query unchanged for `uniform`. */
export function weightQuery(
  query: MultiVector,
  weighting: Encoder['queryWeighting'],
  index: Pick<SearchableIndex, 'counts' | 'documentFrequency'>,
): MultiVector {
  return weighting === 'idf' ? idfWeights(query, index) : query;
}
