export {
  parseSweepGrid,
  configSlug,
  SUPPORTED_SEARCH_MODES,
  BASELINE_REDUCTION,
  BASELINE_QUANTIZATION,
  type SearchMode,
  type SweepConfig,
  type SweepGridSpec,
} from './sweep-config.js';
export { EncodedStore, type EncodedStoreStamp } from './encoded-store.js';
export { retention, indexRecallAt, RETENTION_MEASURE, type Retention } from './retention.js';
export { checkJudgments, judgmentsOutside, type CheckedJudgments, type JudgmentsOutside } from './judgment-checks.js';
export {
  assembleRows,
  rowsByStorage,
  renderMarkdownReport,
  type SweepMeasurement,
  type SweepReport,
  type SweepRow,
  type SweepRowConfig,
} from './sweep-report.js';
export {
  ndcgVsStorageSpec,
  latencyVsStorageSpec,
  renderSvg,
  compileChart,
  svgToPng,
  renderChart,
  PLOT_WIDTH,
  PLOT_HEIGHT,
  PNG_SCALE,
  type RenderedChart,
} from './charts.js';
export { runSweep, writeReports, type SweepOptions, type ProgressBar, type ProgressFactory } from './run-sweep.js';
export { placeLabels, type LabelledPoint, type PlacedLabel } from './label-layout.js';
export {
  findSweepReports,
  readSweepReport,
  SWEEP_REPORT_FILE,
  type SweepCatalog,
  type SweepSummary,
  type SkippedReport,
} from './report-catalog.js';
