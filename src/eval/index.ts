export type { Qrels, Queries, RankedDoc, RankedList, Run } from './types.js';
export {
  DEFAULT_MEASURES,
  EVAL_DEPTH,
  evaluateRun,
  judgedQueryIds,
  ndcgAt,
  parseMeasure,
  precisionAt,
  recallAt,
  reciprocalRankAt,
  scoreMeasure,
  type Measure,
  type MeasureKind,
  type RunEvaluation,
} from './metrics.js';
export { loadBeirSplit, readQrels, readQueries, resolveBeirDataset, type BeirDataset } from './beir.js';
export { formatTrecRun, readTrecRun, trecRunLines, writeTrecRun } from './trec-run.js';
export { trecEvalOrder } from './trec-eval-order.js';
export { percentileNearestRank, summarizeLatency, type LatencySummary } from './latency.js';
export { evaluate, type EvaluateOptions, type EvaluationResult, type PerQueryResult } from './evaluate.js';
export { buildEvalReport, storageSummary, type EvalReport, type StorageSummary } from './eval-report.js';
export * from './sweep/index.js';
export { pairedBootstrap, type PairedBootstrapOptions, type PairedBootstrapResult } from './paired-bootstrap.js';
