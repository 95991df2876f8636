import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Encoder } from '../../encode/index.js';
import { buildIndex, type HnswParams } from '../../index/index.js';
import { parseReductionSpec } from '../../pool/index.js';
import { Retriever, exhaustiveTermAtATime, type RetrieveOptions } from '../../search/index.js';
import { buildEvalReport } from '../eval-report.js';
import { evaluate } from '../evaluate.js';
import { EVAL_DEPTH } from '../metrics.js';
import { writeTrecRun } from '../trec-run.js';
import type { Qrels, Queries, RankedList, Run } from '../types.js';
import type { ProgressFactory } from './encode-corpus.js';
import type { EncodedStore } from './encoded-store.js';
import { indexRecallAt } from './retention.js';
import type { SweepConfig } from './sweep-config.js';
import type { SweepMeasurement, SweepRowConfig } from './sweep-report.js';

/** Depth of the exhaustive reference run and of index recall. */
export const RECALL_K = 10;

/** What every configuration of one sweep shares. */
export interface SweepContext {
  readonly store: EncodedStore;
  readonly encoder: Encoder;
  /** `kind:name` of the encoder, for the rows. */
  readonly encoderLabel: string;
  readonly queries: Queries;
  readonly qrels: Qrels;
  /** Judged queries that are evaluated. */
  readonly evaluated: number;
  readonly out: string;
  readonly datasetName: string;
  readonly split: string;
  /** How each index is built beyond its configuration. */
  readonly build: {
    readonly batchSize: number;
    readonly encoderSource?: string;
    readonly hnsw?: Partial<HnswParams>;
    readonly exactMatchRecovery?: boolean;
  };
  readonly candidatesPerToken?: number;
  /** Keep each configuration's index under `out/indexes/<slug>`. */
  readonly keepIndexes: boolean;
  readonly bar: ProgressFactory;
}

/** One configuration to measure, and which of the sweep's references it also produces. */
export interface ConfigurationJob {
  readonly config: SweepConfig;
  /** The exhaustive reference run, once the baseline produced it. */
  readonly reference: Run | undefined;
  /** Also run the exhaustive exact-MaxSim reference (the baseline, once). */
  readonly needReference: boolean;
  /** Also score the baseline's BM25 postings (exhaustive term-at-a-time) for the charts' reference line. */
  readonly needBm25: boolean;
}

export interface ConfigurationResult {
  readonly measurement: SweepMeasurement;
  readonly reference?: Run;
  readonly bm25?: { readonly metrics: Record<string, number>; readonly run: Run };
}

/**
 * Builds one configuration's index from the encoded corpus (through the ingest pipeline's `buildIndex`),
 * evaluates it (and the references it is asked for), writes its run, and measures storage and timings.
 */
export async function runConfiguration(sweep: SweepContext, job: ConfigurationJob): Promise<ConfigurationResult> {
  const { config } = job;
  const indexDir = path.join(sweep.out, 'indexes', config.slug);
  await fs.rm(indexDir, { recursive: true, force: true });
  const total = sweep.store.documents + sweep.evaluated * (1 + (job.needReference ? 1 : 0) + (job.needBm25 ? 1 : 0));
  const progress = sweep.bar(config.name, total, 'steps');
  const buildStarted = performance.now();
  let built;
  try {
    built = await buildIndex({
      dir: indexDir,
      encoder: sweep.encoder,
      pipeline: parseReductionSpec(config.reduction),
      quantization: config.quantization,
      // BM25 postings cost build time: only the baseline (BM25 reference) and sparse/hybrid modes need them.
      sparse: { mode: config.baseline || config.mode !== 'late' ? 'bm25' : 'none' },
      ...(sweep.build.hnsw && { hnsw: sweep.build.hnsw }),
      ...(sweep.build.encoderSource !== undefined && { encoderSource: sweep.build.encoderSource }),
      ...(sweep.build.exactMatchRecovery !== undefined && { exactMatchRecovery: sweep.build.exactMatchRecovery }),
      batches: sweep.store.batches(sweep.build.batchSize),
      onProgress: (done) => progress.update(done),
      // Sweeps measure blocks in write order, as they always have (see BENCHMARKS.md).
      reorderSparse: false,
    });
  } catch (err) {
    progress.stop();
    if (!sweep.keepIndexes) await fs.rm(indexDir, { recursive: true, force: true });
    throw err;
  }
  const index = built.index;
  let done = sweep.store.documents;
  try {
    await index.flush();
    const codebookBytes = index.codec.stateBytes();
    const training = index.codec.drift()?.training;
    const buildSeconds = (performance.now() - buildStarted) / 1000;

    const retriever = new Retriever(index, sweep.encoder);
    let reference = job.reference;
    let fresh: Run | undefined;
    const referenceStarted = performance.now();
    if (job.needReference) {
      const exact = await evaluate({
        queries: sweep.queries,
        qrels: sweep.qrels,
        depth: RECALL_K,
        measures: [`nDCG@${RECALL_K}`],
        searchFn: (text) => search(retriever, text, { k: RECALL_K, mode: 'late', exhaustive: true }),
        onProgress: (queriesDone) => progress.update(done + queriesDone),
      });
      fresh = exact.run;
      reference = fresh;
      done += sweep.evaluated;
    }
    const referenceSeconds = (performance.now() - referenceStarted) / 1000;
    let bm25: ConfigurationResult['bm25'];
    const sparse = index.sparse;
    if (job.needBm25 && sparse) {
      const scored = await evaluate({
        queries: sweep.queries,
        qrels: sweep.qrels,
        depth: EVAL_DEPTH,
        searchFn: async (text) =>
          exhaustiveTermAtATime(sparse, text, { k: EVAL_DEPTH }).map((hit) => ({ id: index.getDocument(hit.internalId)!.id, score: hit.score })),
        onProgress: (queriesDone) => progress.update(done + queriesDone),
      });
      bm25 = { metrics: scored.metrics, run: scored.run };
      done += sweep.evaluated;
    }
    const evalStarted = performance.now();
    const searchOptions: RetrieveOptions = {
      k: EVAL_DEPTH,
      mode: config.mode,
      ...(sweep.candidatesPerToken !== undefined && { candidatesPerToken: sweep.candidatesPerToken }),
    };
    const result = await evaluate({
      queries: sweep.queries,
      qrels: sweep.qrels,
      depth: EVAL_DEPTH,
      searchFn: (text) => search(retriever, text, searchOptions),
      onProgress: (queriesDone) => progress.update(done + queriesDone),
    });
    const evalSeconds = (performance.now() - evalStarted) / 1000;
    await writeTrecRun(path.join(sweep.out, `run.${config.slug}.trec`), result.run, `lateindex-${config.slug}`);

    const rowConfig: SweepRowConfig = {
      name: config.name,
      slug: config.slug,
      reduction: config.reduction,
      quantization: config.quantization,
      mode: config.mode,
      baseline: config.baseline,
      encoder: sweep.encoderLabel,
      candidatesPerToken: sweep.candidatesPerToken ?? 'default',
      hnsw: index.manifest.hnsw,
      exactMatchRecovery: index.manifest.exactMatchRecovery === true,
      ...(sweep.keepIndexes && { index: path.relative(sweep.out, indexDir) }),
    };
    const measurement: SweepMeasurement = {
      ...buildEvalReport({ dataset: sweep.datasetName, split: sweep.split, evaluation: result, counts: index.counts(), config: rowConfig }),
      indexRecall: { k: RECALL_K, value: reference ? indexRecallAt(result.run, reference, RECALL_K) : Number.NaN },
      timings: {
        buildSeconds: round(buildSeconds, 3),
        evalSeconds: round(evalSeconds, 3),
        ...(job.needReference && { referenceSeconds: round(referenceSeconds, 3) }),
      },
      ...(codebookBytes > 0 && { codec: { codebookBytes, ...(training && { training }) } }),
    };
    return { measurement, ...(fresh && { reference: fresh }), ...(bm25 && { bm25 }) };
  } finally {
    progress.stop();
    await index.close();
    if (!sweep.keepIndexes) await fs.rm(indexDir, { recursive: true, force: true });
  }
}

async function search(retriever: Retriever, text: string, options: RetrieveOptions): Promise<RankedList> {
  return (await retriever.search(text, options)).map((hit) => ({ id: hit.id, score: hit.score }));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
