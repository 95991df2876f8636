import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Encoder } from '../../encode/index.js';
import type { HnswParams } from '../../index/index.js';
import { InputError, UsageError } from '../../shared/index.js';
import { loadBeirSplit } from '../beir.js';
import { writeTrecRun } from '../trec-run.js';
import { renderChart, latencyVsStorageSpec, ndcgVsStorageSpec } from './charts.js';
import { encodeCorpus, readCorpusIds, type ProgressBar, type ProgressFactory } from './encode-corpus.js';
import { EncodedStore, type EncodedStoreStamp } from './encoded-store.js';
import { checkJudgments } from './judgment-checks.js';
import { runConfiguration, type SweepContext } from './run-configuration.js';
import { parseSweepGrid } from './sweep-config.js';
import { assembleRows, renderMarkdownReport, type SweepReport } from './sweep-report.js';
import {
  BM25_FILE,
  BM25_RUN,
  REFERENCE_RUN,
  SWEEP_FILE,
  prepareOutDir,
  readResumeState,
  writeJson,
  writeStoredResult,
  type ResultFingerprint,
} from './sweep-resume.js';

export type { ProgressBar, ProgressFactory } from './encode-corpus.js';

export interface SweepOptions {
  /** BEIR dataset folder. */
  readonly dataset: string;
  readonly split: string;
  /** Output folder: reports, runs, charts, and the indexes under `indexes/`. */
  readonly out: string;
  /** `;`-separated reduction specs (the baseline `none` / float32 is always added). */
  readonly reduce: string;
  readonly quantize?: string;
  readonly mode?: string;
  /** Skip configurations whose results are complete in `out`. Without it, a non-empty `out` is refused. */
  readonly resume?: boolean;
  /** BM25 nDCG@10 for the charts' reference line. */
  readonly bm25?: number;
  /** HNSW neighbours per query token (default: the searcher's). */
  readonly candidatesPerToken?: number;
  /** HNSW build parameters for every index (default: the index's); recorded in each row's config. */
  readonly hnsw?: Partial<HnswParams>;
  /** Whether indexes keep exact-match recovery data (default: as `exactMatchRecoveryFor` decides per index). */
  readonly exactMatchRecovery?: boolean;
  /** Caller-owned encoder (loaded and closed by the caller); every configuration reuses its document vectors. */
  readonly encoder: Encoder;
  /** Recorded in each index's manifest as where the encoder came from (e.g. the ONNX model directory). */
  readonly encoderSource?: string;
  /** Documents per encode / write batch (default 64). */
  readonly batchSize?: number;
  /** Keep each configuration's index under `out/indexes/<slug>` (default true). */
  readonly keepIndexes?: boolean;
  /** Keep the encoded corpus under `out/encoded` after a complete sweep (default false). */
  readonly keepEncoded?: boolean;
  readonly progress?: ProgressFactory;
  /** Human-readable notes and warnings (the CLI prints them on stderr). */
  readonly log?: (line: string) => void;
}

const silentBar: ProgressBar = { update: () => undefined, stop: () => undefined };

/**
 * Runs a sweep: encodes the corpus once into an on-disk store, then per configuration builds an index from the
 * stored vectors, evaluates it, and writes `run.<slug>.trec` and `configs/<slug>/result.json`; finally writes
 * `report.json`, `report.md` and the charts (`ndcg-vs-storage`, `latency-vs-storage`, .svg and .png).
 */
export async function runSweep(options: SweepOptions): Promise<SweepReport> {
  const log = options.log ?? (() => undefined);
  const bar = options.progress ?? (() => silentBar);
  const configs = parseSweepGrid({ reduce: options.reduce, quantize: options.quantize, mode: options.mode });
  if (options.bm25 !== undefined && !(Number.isFinite(options.bm25) && options.bm25 >= 0 && options.bm25 <= 1)) {
    throw new UsageError(`--bm25 must be an nDCG@10 between 0 and 1, got ${options.bm25}`, 'invalid_sweep');
  }
  const batchSize = options.batchSize ?? 64;
  const out = path.resolve(options.out);
  const datasetDir = path.resolve(options.dataset);
  const { dataset, queries, qrels: rawQrels } = await loadBeirSplit(datasetDir, options.split);
  await prepareOutDir(out, options.resume === true);

  const corpusIds = await readCorpusIds(dataset.corpus);
  if (corpusIds.size === 0) throw new InputError('the corpus holds no documents', { file: dataset.corpus }, undefined, 'empty_corpus');
  const checked = checkJudgments(queries, rawQrels, corpusIds, path.relative(process.cwd(), dataset.qrels(options.split)) || dataset.qrels(options.split));
  for (const note of checked.notes) log(`note: ${note}`);
  if (checked.evaluated === 0) {
    throw new InputError(`no query of split "${options.split}" has a relevant judgment; nothing to evaluate`, { file: dataset.qrels(options.split) }, undefined, 'no_judged_queries');
  }

  const encoder = options.encoder;
  const encoderLabel = `${encoder.identity.kind}:${encoder.identity.name}`;
  const fingerprint: ResultFingerprint = {
    datasetDir,
    split: options.split,
    encoderHash: encoder.identity.hash,
    candidatesPerToken: options.candidatesPerToken ?? 'default',
    queries: checked.evaluated,
    hnsw: options.hnsw ?? {},
    exactMatchRecovery: options.exactMatchRecovery ?? 'default',
  };
  await writeJson(path.join(out, SWEEP_FILE), {
    dataset: datasetDir,
    split: options.split,
    encoder: encoder.identity,
    configurations: configs.map((c) => c.name),
  });

  const { finished, ...resumed } = await readResumeState(out, configs, fingerprint, options.resume === true);
  if (finished.size > 0) log(`resuming: ${finished.size} of ${configs.length} configurations already complete`);
  let { bm25, reference } = resumed;
  const pending = configs.filter((c) => !finished.has(c.slug));
  if (pending.length > 0) {
    const encodedDir = path.join(out, 'encoded');
    const corpusStat = await fs.stat(dataset.corpus);
    const stamp: Omit<EncodedStoreStamp, 'documents' | 'vectors'> = {
      encoder: encoder.identity,
      corpus: { path: dataset.corpus, bytes: corpusStat.size, mtimeMs: corpusStat.mtimeMs },
    };
    let store = options.resume ? await EncodedStore.openComplete(encodedDir, stamp) : undefined;
    if (store) log(`resuming: reusing the encoded corpus in ${encodedDir}`);
    else store = await encodeCorpus(dataset.corpus, corpusIds.size, encodedDir, stamp, encoder, batchSize, bar);
    const sweep: SweepContext = {
      store,
      encoder,
      encoderLabel,
      queries,
      qrels: checked.qrels,
      evaluated: checked.evaluated,
      out,
      datasetName: path.basename(datasetDir),
      split: options.split,
      build: {
        batchSize,
        ...(options.encoderSource !== undefined && { encoderSource: options.encoderSource }),
        ...(options.hnsw && { hnsw: options.hnsw }),
        ...(options.exactMatchRecovery !== undefined && { exactMatchRecovery: options.exactMatchRecovery }),
      },
      ...(options.candidatesPerToken !== undefined && { candidatesPerToken: options.candidatesPerToken }),
      keepIndexes: options.keepIndexes !== false,
      bar,
    };
    try {
      // The baseline comes first: its exhaustive search is the reference for every configuration's index recall.
      if (!reference && !pending.includes(configs[0]!)) pending.unshift(configs[0]!);
      for (const config of pending) {
        const job = { config, reference, needReference: reference === undefined && config.baseline, needBm25: bm25 === undefined && config.baseline };
        const measured = await runConfiguration(sweep, job);
        if (measured.bm25) {
          bm25 = measured.bm25.metrics;
          await writeTrecRun(path.join(out, BM25_RUN), measured.bm25.run, 'bm25');
          await writeJson(path.join(out, BM25_FILE), { metrics: bm25, fingerprint });
        }
        if (measured.reference) {
          reference = measured.reference;
          await writeTrecRun(path.join(out, REFERENCE_RUN), reference, 'exact-maxsim');
        }
        await writeStoredResult(out, config.slug, fingerprint, measured.measurement);
        finished.set(config.slug, measured.measurement);
      }
    } finally {
      await store.close();
    }
    if (!options.keepEncoded) await fs.rm(encodedDir, { recursive: true, force: true });
  }

  const report: SweepReport = {
    dataset: path.basename(datasetDir),
    split: options.split,
    encoder: encoderLabel,
    createdAt: new Date().toISOString(),
    baseline: configs[0]!.slug,
    bm25:
      options.bm25 !== undefined
        ? { 'nDCG@10': options.bm25, source: 'given' }
        : bm25?.['nDCG@10'] !== undefined
          ? { 'nDCG@10': bm25['nDCG@10'], source: 'computed' }
          : null,
    notes: checked.notes,
    rows: assembleRows(configs.map((c) => finished.get(c.slug)!), configs[0]!.slug),
  };
  await writeReports(out, report);
  return report;
}

/** Writes report.json, report.md and both charts (SVG and PNG) into `out`. */
export async function writeReports(out: string, report: SweepReport): Promise<void> {
  await writeJson(path.join(out, 'report.json'), report);
  await fs.writeFile(path.join(out, 'report.md'), renderMarkdownReport(report));
  for (const [name, spec] of [
    ['ndcg-vs-storage', ndcgVsStorageSpec(report)],
    ['latency-vs-storage', latencyVsStorageSpec(report)],
  ] as const) {
    const chart = await renderChart(spec);
    await fs.writeFile(path.join(out, `${name}.svg`), chart.svg);
    await fs.writeFile(path.join(out, `${name}.png`), chart.png);
  }
}
