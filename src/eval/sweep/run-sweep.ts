import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Encoder } from '../../encode/index.js';
import { IndexBuilder, LateIndex, RESIDUAL_SAMPLE_VECTORS, exactMatchRecoveryFor, readCorpus, type HnswParams } from '../../index/index.js';
import { parseReductionSpec } from '../../pool/index.js';
import { Retriever, exhaustiveTermAtATime, type RetrieveOptions } from '../../search/index.js';
import { InputError, UsageError, documentText, multiVector, normalizeRows, type DocumentRecord, type MultiVector } from '../../shared/index.js';
import { loadBeirSplit } from '../beir.js';
import { buildEvalReport } from '../eval-report.js';
import { evaluate } from '../evaluate.js';
import { readTrecRun, writeTrecRun } from '../trec-run.js';
import type { Qrels, Queries, RankedList, Run } from '../types.js';
import { renderChart, latencyVsStorageSpec, ndcgVsStorageSpec } from './charts.js';
import { EncodedStore, type EncodedDocument, type EncodedStoreStamp } from './encoded-store.js';
import { checkJudgments } from './judgment-checks.js';
import { indexRecallAt } from './retention.js';
import { parseSweepGrid, type SweepConfig } from './sweep-config.js';
import { assembleRows, renderMarkdownReport, type SweepMeasurement, type SweepReport, type SweepRowConfig } from './sweep-report.js';

export interface ProgressBar {
  update(done: number): void;
  stop(): void;
}
/** Creates a progress bar (the CLI draws them on stderr); sweeps open one for encoding and one per configuration. */
export type ProgressFactory = (label: string, total: number, unit: string) => ProgressBar;

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

/** Result depth per query: R@100 needs the top 100. */
const EVAL_DEPTH = 100;
const RECALL_K = 10;
const REFERENCE_RUN = 'reference.exact-maxsim.trec';
const RESULT_FILE = 'result.json';
const SWEEP_FILE = 'sweep.json';
const BM25_FILE = 'bm25.json';
const BM25_RUN = 'run.bm25.trec';

const silentBar: ProgressBar = { update: () => undefined, stop: () => undefined };

/** What a finished configuration's result must match to be reused by `--resume`. */
interface ResultFingerprint {
  readonly datasetDir: string;
  readonly split: string;
  readonly encoderHash: string;
  readonly candidatesPerToken: number | 'default';
  readonly queries: number;
  readonly hnsw: Partial<HnswParams>;
  /** The sweep's --[no-]exact-match-recovery, or each index's default (absent in results from before the option). */
  readonly exactMatchRecovery?: boolean | 'default';
}

interface StoredResult {
  readonly fingerprint: ResultFingerprint;
  readonly measurement: SweepMeasurement;
}

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
  await writeJsonAtomic(path.join(out, SWEEP_FILE), {
    dataset: datasetDir,
    split: options.split,
    encoder: encoder.identity,
    configurations: configs.map((c) => c.name),
  });

  const finished = new Map<string, SweepMeasurement>();
  if (options.resume) {
    for (const config of configs) {
      const stored = await readStoredResult(out, config, fingerprint);
      if (stored) finished.set(config.slug, stored);
    }
    if (finished.size > 0) log(`resuming: ${finished.size} of ${configs.length} configurations already complete`);
  }
  const pending = configs.filter((c) => !finished.has(c.slug));

  const referenceFile = path.join(out, REFERENCE_RUN);
  const bm25File = path.join(out, BM25_FILE);
  let bm25 = options.resume && finished.has(configs[0]!.slug) ? await readBm25(bm25File) : undefined;
  let reference: Run | undefined = options.resume && finished.has(configs[0]!.slug) && existsSync(referenceFile) ? await readTrecRun(referenceFile) : undefined;
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
    try {
      // The baseline comes first: its exhaustive search is the reference for every configuration's index recall.
      if (!reference && !pending.includes(configs[0]!)) pending.unshift(configs[0]!);
      for (const config of pending) {
        const needReference = reference === undefined && config.baseline;
        const needBm25 = bm25 === undefined && config.baseline;
        const measured = await runConfiguration({
          config, store, encoder, queries, qrels: checked.qrels, out, split: options.split, datasetName: path.basename(datasetDir),
          encoderLabel, encoderSource: options.encoderSource, candidatesPerToken: options.candidatesPerToken, hnsw: options.hnsw, exactMatchRecovery: options.exactMatchRecovery, batchSize, keepIndex: options.keepIndexes !== false,
          evaluated: checked.evaluated, bar, reference, needReference, needBm25,
        });
        if (measured.bm25) {
          bm25 = measured.bm25.metrics;
          await writeTrecRun(path.join(out, BM25_RUN), measured.bm25.run, 'bm25');
          await writeJsonAtomic(bm25File, { metrics: bm25, fingerprint });
        }
        if (measured.reference) {
          reference = measured.reference;
          await writeTrecRun(referenceFile, reference, 'exact-maxsim');
        }
        await writeJsonAtomic(path.join(out, 'configs', config.slug, RESULT_FILE), { fingerprint, measurement: measured.measurement } satisfies StoredResult);
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
  await writeJsonAtomic(path.join(out, 'report.json'), report);
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

async function prepareOutDir(out: string, resume: boolean): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await fs.readdir(out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UsageError(`--out ${out} is a file, not a directory`, 'invalid_sweep');
    if (code !== 'ENOENT') throw err;
  }
  if (entries.length > 0) {
    if (!entries.includes(SWEEP_FILE)) {
      throw new UsageError(`--out ${out} is not empty and holds no sweep; choose a new or empty directory`, 'out_not_empty');
    }
    if (!resume) {
      throw new UsageError(`--out ${out} already holds a sweep: pass --resume to continue it, or choose a new directory`, 'out_not_empty');
    }
  }
  await fs.mkdir(out, { recursive: true });
}

async function readCorpusIds(corpus: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const record of readCorpus(corpus)) ids.add(record.id);
  return ids;
}

async function encodeCorpus(
  corpus: string,
  total: number,
  dir: string,
  stamp: Omit<EncodedStoreStamp, 'documents' | 'vectors'>,
  encoder: Encoder,
  batchSize: number,
  bar: ProgressFactory,
): Promise<EncodedStore> {
  const store = await EncodedStore.create(dir);
  const progress = bar('encoding', total, 'docs');
  try {
    let batch: DocumentRecord[] = [];
    const flush = async (): Promise<void> => {
      const docs = batch.map((r) => ({
        id: r.id,
        ...(r.title !== undefined && { title: r.title }),
        ...(r.text !== undefined && { text: r.text }),
      }));
      await store.append(docs, await encodeRecords(batch, encoder));
      progress.update(store.documents);
      batch = [];
    };
    for await (const record of readCorpus(corpus)) {
      batch.push(record);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    await store.seal(stamp);
  } catch (err) {
    await store.close();
    throw err;
  } finally {
    progress.stop();
  }
  return store;
}

/** Text records go through the encoder in one call per batch; precomputed ones are taken as given (normalised). */
async function encodeRecords(records: readonly DocumentRecord[], encoder: Encoder): Promise<MultiVector[]> {
  const out = new Array<MultiVector>(records.length);
  const slots: number[] = [];
  const texts: string[] = [];
  records.forEach((record, i) => {
    if (record.embeddings) {
      const dim = encoder.identity.dim;
      if (record.embeddings.length % dim !== 0) {
        throw new InputError(`embeddings are not rows of the encoder's ${dim} dimensions`, record.source, 'embeddings');
      }
      out[i] = multiVector(normalizeRows(Float32Array.from(record.embeddings), dim), dim, record.grid ? { grid: record.grid } : {});
    } else {
      slots.push(i);
      texts.push(documentText(record));
    }
  });
  if (texts.length > 0) {
    const encoded = await encoder.encodeDocuments(texts);
    slots.forEach((slot, j) => (out[slot] = encoded[j]!));
  }
  return out;
}

interface ConfigurationRun {
  readonly config: SweepConfig;
  readonly store: EncodedStore;
  readonly encoder: Encoder;
  readonly queries: Queries;
  readonly qrels: Qrels;
  readonly out: string;
  readonly split: string;
  readonly datasetName: string;
  readonly encoderLabel: string;
  readonly encoderSource: string | undefined;
  readonly hnsw: Partial<HnswParams> | undefined;
  readonly exactMatchRecovery: boolean | undefined;
  readonly candidatesPerToken: number | undefined;
  readonly batchSize: number;
  readonly keepIndex: boolean;
  readonly evaluated: number;
  readonly bar: ProgressFactory;
  readonly reference: Run | undefined;
  readonly needReference: boolean;
  /** Also score the baseline's BM25 postings (exhaustive term-at-a-time) for the charts' reference line. */
  readonly needBm25: boolean;
}

interface ConfigurationResult {
  readonly measurement: SweepMeasurement;
  readonly reference?: Run;
  readonly bm25?: { readonly metrics: Record<string, number>; readonly run: Run };
}

async function runConfiguration(run: ConfigurationRun): Promise<ConfigurationResult> {
  const { config, store, encoder } = run;
  const indexDir = path.join(run.out, 'indexes', config.slug);
  await fs.rm(indexDir, { recursive: true, force: true });
  const total = store.documents + run.evaluated * (1 + (run.needReference ? 1 : 0) + (run.needBm25 ? 1 : 0));
  const progress = run.bar(config.name, total, 'steps');
  const pipeline = parseReductionSpec(config.reduction);
  const index = await LateIndex.create(indexDir, {
    encoder: encoder.identity,
    quantization: config.quantization,
    reduction: pipeline.spec,
    ...(run.encoderSource !== undefined && { encoderSource: run.encoderSource }),
    ...(run.hnsw && { hnsw: run.hnsw }),
    // BM25 postings cost build time: only the baseline (BM25 reference) and sparse/hybrid modes need them.
    sparse: { mode: config.baseline || config.mode !== 'late' ? 'bm25' : 'none' },
    exactMatchRecovery: exactMatchRecoveryFor(encoder, pipeline, run.exactMatchRecovery),
  });
  try {
    const buildStarted = performance.now();
    const builder = new IndexBuilder(index, encoder, pipeline, { codecSampleVectors: RESIDUAL_SAMPLE_VECTORS });
    let done = 0;
    for (const batch of store.batches(run.batchSize)) {
      const unique = lastPerId(batch.docs, batch.vectors);
      await builder.addEncodedBatch(unique.docs, unique.vectors);
      done += batch.docs.length;
      progress.update(done);
    }
    // Residual codecs train on the first reduced vectors: the builder held those documents back until now at most.
    await builder.finish();
    await index.flush();
    const codebookBytes = index.codec.stateBytes();
    const training = index.codec.drift()?.training;
    const buildSeconds = (performance.now() - buildStarted) / 1000;

    const retriever = new Retriever(index, encoder);
    let reference = run.reference;
    let fresh: Run | undefined;
    const referenceStarted = performance.now();
    if (run.needReference) {
      const exact = await evaluate({
        queries: run.queries,
        qrels: run.qrels,
        depth: RECALL_K,
        measures: [`nDCG@${RECALL_K}`],
        searchFn: (text) => search(retriever, text, { k: RECALL_K, exhaustive: true }),
        onProgress: (queriesDone) => progress.update(done + queriesDone),
      });
      fresh = exact.run;
      reference = fresh;
      done += run.evaluated;
    }
    const referenceSeconds = (performance.now() - referenceStarted) / 1000;
    let bm25: ConfigurationResult['bm25'];
    const sparse = index.sparse;
    if (run.needBm25 && sparse) {
      const scored = await evaluate({
        queries: run.queries,
        qrels: run.qrels,
        depth: EVAL_DEPTH,
        searchFn: async (text) =>
          exhaustiveTermAtATime(sparse, text, { k: EVAL_DEPTH }).map((hit) => ({ id: index.getDocument(hit.internalId)!.id, score: hit.score })),
        onProgress: (queriesDone) => progress.update(done + queriesDone),
      });
      bm25 = { metrics: scored.metrics, run: scored.run };
      done += run.evaluated;
    }
    const evalStarted = performance.now();
    const searchOptions: RetrieveOptions = {
      k: EVAL_DEPTH,
      mode: config.mode,
      ...(run.candidatesPerToken !== undefined && { candidatesPerToken: run.candidatesPerToken }),
    };
    const result = await evaluate({
      queries: run.queries,
      qrels: run.qrels,
      depth: EVAL_DEPTH,
      searchFn: (text) => search(retriever, text, searchOptions),
      onProgress: (queriesDone) => progress.update(done + queriesDone),
    });
    const evalSeconds = (performance.now() - evalStarted) / 1000;
    await writeTrecRun(path.join(run.out, `run.${config.slug}.trec`), result.run, `lateindex-${config.slug}`);

    const rowConfig: SweepRowConfig = {
      name: config.name,
      slug: config.slug,
      reduction: config.reduction,
      quantization: config.quantization,
      mode: config.mode,
      baseline: config.baseline,
      encoder: run.encoderLabel,
      candidatesPerToken: run.candidatesPerToken ?? 'default',
      hnsw: index.manifest.hnsw,
      exactMatchRecovery: index.manifest.exactMatchRecovery === true,
      ...(run.keepIndex && { index: path.relative(run.out, indexDir) }),
    };
    const measurement: SweepMeasurement = {
      ...buildEvalReport({ dataset: run.datasetName, split: run.split, evaluation: result, counts: index.counts(), config: rowConfig }),
      indexRecall: { k: RECALL_K, value: reference ? indexRecallAt(result.run, reference, RECALL_K) : Number.NaN },
      timings: {
        buildSeconds: round(buildSeconds, 3),
        evalSeconds: round(evalSeconds, 3),
        ...(run.needReference && { referenceSeconds: round(referenceSeconds, 3) }),
      },
      ...(codebookBytes > 0 && { codec: { codebookBytes, ...(training && { training }) } }),
    };
    return { measurement, ...(fresh && { reference: fresh }), ...(bm25 && { bm25 }) };
  } finally {
    progress.stop();
    await index.close();
    if (!run.keepIndex) await fs.rm(indexDir, { recursive: true, force: true });
  }
}

/** A corpus may repeat an id: as in `lateindex index`, the last record wins (the builder wants unique ids per batch). */
function lastPerId(docs: readonly EncodedDocument[], vectors: readonly MultiVector[]): { docs: EncodedDocument[]; vectors: MultiVector[] } {
  const at = new Map<string, number>();
  docs.forEach((doc, i) => {
    at.delete(doc.id);
    at.set(doc.id, i);
  });
  if (at.size === docs.length) return { docs: [...docs], vectors: [...vectors] };
  const keep = [...at.values()];
  return { docs: keep.map((i) => docs[i]!), vectors: keep.map((i) => vectors[i]!) };
}

async function search(retriever: Retriever, text: string, options: RetrieveOptions): Promise<RankedList> {
  return (await retriever.search(text, options)).map((hit) => ({ id: hit.id, score: hit.score }));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

async function readStoredResult(out: string, config: SweepConfig, expected: ResultFingerprint): Promise<SweepMeasurement | undefined> {
  const file = path.join(out, 'configs', config.slug, RESULT_FILE);
  if (!existsSync(file) || !existsSync(path.join(out, `run.${config.slug}.trec`))) return undefined;
  try {
    const stored = JSON.parse(await fs.readFile(file, 'utf8')) as StoredResult;
    if (JSON.stringify(stored.fingerprint) !== JSON.stringify(expected)) return undefined;
    if (stored.measurement?.config?.name !== config.name) return undefined;
    return stored.measurement;
  } catch {
    return undefined;
  }
}

async function readBm25(file: string): Promise<Record<string, number> | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(await fs.readFile(file, 'utf8')) as { metrics: Record<string, number> }).metrics;
  } catch {
    return undefined;
  }
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}
