export type { ExactTokenMatcher, SearchableIndex } from './searchable-index.js';
export { maxSim, maxSimExplained, maxSimKernel, maxSimRowsKernel, type MaxSimExplanation } from './maxsim.js';
export { idf, idfWeights, weightQuery } from './idf-weights.js';
export { TopK } from './top-k.js';
export {
  defaultSearchMode,
  resolveSearchMode,
  searchDefaults,
  type QuerySides,
  type SearchDefaults,
  type SearchDefaultsSource,
} from './search-defaults.js';
export { rankWithTieBreak, sparseTieBreaker, type ScoredEntry, type TieBreaker } from './tie-break.js';
export {
  DEFAULT_CANDIDATES_PER_TOKEN,
  type SearchHit,
  type SearchOptions,
  type SearchStats,
} from './search-types.js';
export { compileDocumentFilter, type CompiledFilter, type DocumentFilter, type FilterableIndex, type FilterValue } from './document-filter.js';
export { LateInteractionSearcher, type SearcherOptions } from './late-interaction-searcher.js';
export {
  Retriever,
  SEARCH_MODES,
  type SearchMode,
  type RetrievableIndex,
  type RetrieveOptions,
  type RetrievalQuery,
  type RetrievedHit,
  type QueryEncoder,
} from './retriever.js';
export {
  FUSION_METHODS,
  convexFusion,
  depthNormalisedFusion,
  distributionFusion,
  reciprocalRankFusion,
  zScoreFusion,
  fuse,
  type FusionMethod,
  type FusionOptions,
} from './fusion.js';
export * from './sparse/index.js';
export { createMaxSimScorer, MAXSIM_BACKEND, type MaxSimScorer, type MaxSimBackend } from './maxsim-scorer.js';
export { WasmMaxSim } from './maxsim-wasm.js';
export { StoredRowTokens, type DocumentToken, type RowMatch, type TokenSpanEncoder } from './stored-row-tokens.js';
