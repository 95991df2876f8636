import type { Encoder } from '../encode/encoder.js';
import type { MultiVector } from '../shared/index.js';
import { LateInteractionSearcher } from './late-interaction-searcher.js';
import type { SearchableIndex } from './searchable-index.js';
import type { SearchHit, SearchOptions } from './search-types.js';

/**
 * Text in, ranked documents out: encodes the query with the index's encoder (query side) and ranks by MaxSim.
 * This is the one query path the CLI, eval and the REST server share.
 */
export class Retriever {
  private readonly searcher: LateInteractionSearcher;

  constructor(
    readonly index: SearchableIndex,
    readonly encoder: Encoder,
  ) {
    this.searcher = new LateInteractionSearcher(index, { queryWeighting: encoder.queryWeighting });
  }

  async search(text: string, options: SearchOptions): Promise<SearchHit[]> {
    const [query] = await this.encoder.encodeQueries([text]);
    return this.searchVectors(query!, options);
  }

  /** Ranks precomputed query vectors (or an already encoded query). */
  searchVectors(query: MultiVector, options: SearchOptions): SearchHit[] {
    return this.searcher.search(query, options);
  }
}
