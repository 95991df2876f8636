import type { DocumentToken, StoredRowTokens } from '../search/index.js';
import type { LateIndex } from '../index/index.js';
import type { DocumentTokenJson } from './schemas.js';
import type { QueryResult } from './search-execution.js';

/**
 * Adds `document_tokens` to every token score of `results` (in place): the matched document tokens with their text
 * and offsets. Runs where the encoder is (the main thread), after the search, since it encodes each explained
 * document again; a hit whose stored rows cannot be traced to its text keeps its token scores without them.
 */
export async function addMatchedTokens(index: LateIndex, rowTokens: StoredRowTokens, results: readonly QueryResult[]): Promise<void> {
  for (const result of results) {
    for (const hit of result.hits) {
      const scores = hit.token_scores;
      const internalId = scores === undefined ? undefined : index.getInternalId(hit.id);
      if (scores === undefined || internalId === undefined) continue;
      const matched = await rowTokens.matchedTokens(
        internalId,
        scores.map((s) => ({ row: s.document_vector, exactMatch: s.exact_match, queryToken: s.query_token })),
      );
      if (matched === undefined) continue;
      const record = index.getDocument(internalId);
      scores.forEach((score, i) => {
        (score as { document_tokens?: DocumentTokenJson[] }).document_tokens = matched[i]!.map((token) => tokenJson(token, record));
      });
    }
  }
}

function tokenJson(token: DocumentToken, record: { readonly title?: string; readonly text?: string } | undefined): DocumentTokenJson {
  const range = token.range;
  if (range === undefined) return { token: token.token, position: token.position };
  return { token: token.token, position: token.position, ...range, text: (record?.[range.field] ?? '').slice(range.start, range.end) };
}
