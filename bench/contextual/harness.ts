/**
 * The harness a benchmark script drives: measure any multi-vector engine that answers `search(queryRows, k)`
 * with document ids against the exhaustive exact-MaxSim reference, on a bundle or on an in-memory corpus.
 *   const workload = await bundleWorkload('/tmp/ctx-10k');          // queries, planted targets, exhaustive top 100
 *   const measured = await measureEngine(engine, workload);         // k = 10: latency, agreement, planted recall
 *   formatScaleTable([scaleRow('lateindex', 'nprobe 4', workload, build, measured)]);
 * Latency is wall time around each `search` call (awaited, one query at a time); CPU is this process's (every
 * thread, native ones included), so an engine running in another process must report its own.
 */
import { existsSync } from 'node:fs';
import { Bundle } from './bundle.js';
import { ExactTopK } from './exact-top-k.js';
import { loadExhaustive, runExhaustive, saveExhaustive } from './exhaustive.js';
import { documentId } from './generation-job.js';
import { defaultQueryCount, type ContextualCorpus } from './generator.js';
import { cpuSecondsSince, latencyStats, plantedRecall, topKAgreement, type LatencyStats, type ScaleRow } from './measure.js';

/** What the harness needs of a search engine. */
export interface MultiVectorEngine {
  /** The ids of the best `k` documents (at most k, best first) for a query of rows of `dim` floats, row-major. */
  search(queryRows: Float32Array, k: number): readonly string[] | Promise<readonly string[]>;
}

/** A corpus's queries with their planted targets and exhaustive rankings. */
export interface Workload {
  readonly dim: number;
  readonly documents: number;
  readonly tokens: number;
  /** Query q's token vectors, rows of `dim` floats. */
  readonly queries: readonly Float32Array[];
  /** Query q's planted relevant document id. */
  readonly targets: readonly string[];
  /** Query q's exhaustive exact-MaxSim ranking (ids, best first; 100 deep unless the corpus is smaller). */
  readonly reference: readonly (readonly string[])[];
}

export interface MeasureOptions {
  /** Results per query; agreement and planted recall are taken at k. Default 10. */
  readonly k?: number;
  /** Queries run untimed first (the first ones, run again when timed). Default 5. */
  readonly warmup?: number;
  /** Measure only the first this many queries (an expensive setting); default all. */
  readonly queries?: number;
}

export interface EngineMeasurement {
  readonly k: number;
  readonly queries: number;
  readonly latency: LatencyStats;
  /** This process's CPU per query, ms. */
  readonly cpuMsPerQuery: number;
  /** Mean share of the exhaustive top k the engine returned in its top k. */
  readonly agreement: number;
  /** Share of queries whose planted target the engine returned in its top k. */
  readonly plantedRecall: number;
  /** The same share for the exhaustive ranking over the same queries: the ceiling for `plantedRecall`. */
  readonly exhaustivePlantedRecall: number;
  /** The engine's ids per measured query. */
  readonly results: readonly (readonly string[])[];
}

/** Runs the workload's queries through `engine` one at a time and compares the results with the reference. */
export async function measureEngine(engine: MultiVectorEngine, workload: Workload, options: MeasureOptions = {}): Promise<EngineMeasurement> {
  const k = options.k ?? 10;
  const count = Math.min(options.queries ?? workload.queries.length, workload.queries.length);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`measure: k must be a positive integer, got ${k}`);
  if (count < 1) throw new RangeError('measure: no queries to run');
  if (workload.reference.length !== workload.queries.length || workload.targets.length !== workload.queries.length) {
    throw new RangeError(`measure: ${workload.queries.length} queries, ${workload.targets.length} targets, ${workload.reference.length} reference lists`);
  }
  const ask = async (q: number): Promise<string[]> => {
    const ids = await engine.search(workload.queries[q]!, k);
    if (!Array.isArray(ids)) throw new TypeError(`measure: the engine answered query ${q} with ${typeof ids}, not an array of ids`);
    if (ids.length > k) throw new RangeError(`measure: the engine returned ${ids.length} ids for query ${q} at k = ${k}`);
    return [...(ids as readonly string[])];
  };
  for (let q = 0; q < Math.min(options.warmup ?? 5, count); q++) await ask(q);
  const latencies: number[] = [];
  const results: string[][] = [];
  const cpu = process.cpuUsage();
  for (let q = 0; q < count; q++) {
    const started = performance.now();
    results.push(await ask(q));
    latencies.push(performance.now() - started);
  }
  const cpuMsPerQuery = (cpuSecondsSince(cpu) * 1000) / count;
  const reference = workload.reference.slice(0, count);
  const targets = workload.targets.slice(0, count);
  return {
    k,
    queries: count,
    latency: latencyStats(latencies),
    cpuMsPerQuery,
    agreement: topKAgreement(results, reference, k),
    plantedRecall: plantedRecall(results, targets, k),
    exhaustivePlantedRecall: plantedRecall(reference, targets, k),
    results,
  };
}

export interface BundleWorkloadOptions {
  /** When the bundle has no saved reference: wait for exhaustive.ts to write it (true), or compute it here. */
  readonly waitForReference?: boolean;
  /** Worker threads for computing the reference; default 2. */
  readonly workers?: number;
  readonly log?: (line: string) => void;
}

/** The bundle's queries, targets and exhaustive reference (computed and saved in the bundle if missing). */
export async function bundleWorkload(bundleDir: string, options: BundleWorkloadOptions = {}): Promise<Workload> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const bundle = Bundle.open(bundleDir);
  while (options.waitForReference && !existsSync(bundle.file('exhaustive'))) {
    log(`harness: waiting for ${bundle.file('exhaustive')}`);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
  if (!existsSync(bundle.file('exhaustive'))) {
    log(`harness: computing the exhaustive reference of ${bundleDir}`);
    saveExhaustive(bundleDir, await runExhaustive(bundleDir, { workers: options.workers }));
  }
  const reference = loadExhaustive(bundleDir);
  return {
    dim: bundle.dim,
    documents: bundle.documents,
    tokens: bundle.manifest.tokens,
    queries: bundle.queries(),
    targets: bundle.targets(),
    reference: reference.results.map((r) => r.ids),
  };
}

export interface InMemoryCorpus {
  readonly dim: number;
  /** Document i's token vectors, rows of `dim` floats. */
  readonly documents: readonly Float32Array[];
  /** Document ids; default `documentId(i)` ("d0", "d1", ...). */
  readonly ids?: readonly string[];
  readonly queries: readonly Float32Array[];
  readonly targets: readonly string[];
}

/** A workload over documents held in memory, its reference computed here (exact MaxSim, `depth` deep). */
export function inMemoryWorkload(corpus: InMemoryCorpus, depth = 100): Workload {
  const { dim, documents } = corpus;
  const ids = corpus.ids ?? documents.map((_, i) => documentId(i));
  if (ids.length !== documents.length) throw new RangeError(`workload: ${ids.length} ids for ${documents.length} documents`);
  const best = new ExactTopK(corpus.queries, dim, depth);
  let tokens = 0;
  documents.forEach((rows, i) => {
    if (rows.length % dim !== 0) throw new RangeError(`workload: document ${ids[i]} holds ${rows.length} floats, not whole rows of ${dim}`);
    best.add(i, rows, rows.length / dim);
    tokens += rows.length / dim;
  });
  return {
    dim,
    documents: documents.length,
    tokens,
    queries: corpus.queries,
    targets: corpus.targets,
    reference: best.drain().map((list) => list.map((hit) => ids[hit.internalId]!)),
  };
}

/** The generator's first `documents` documents and planted queries in memory, with their workload. */
export function generatedWorkload(
  corpus: ContextualCorpus,
  documents: number,
  queries = defaultQueryCount(documents),
): { readonly corpus: Required<InMemoryCorpus>; readonly workload: Workload } {
  const targets = corpus.queryTargets(documents, queries);
  const generated: Required<InMemoryCorpus> = {
    dim: corpus.params.dim,
    documents: Array.from({ length: documents }, (_, i) => corpus.document(i)),
    ids: Array.from({ length: documents }, (_, i) => documentId(i)),
    queries: Array.from(targets, (target, q) => corpus.query(q, target)),
    targets: Array.from(targets, documentId),
  };
  return { corpus: generated, workload: inMemoryWorkload(generated) };
}

/** What building an index cost: ingest plus index, wall and CPU seconds, disk and (if measured) peak RSS. */
export interface BuildFigures {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly diskBytes: number;
  readonly peakRssBytes?: number;
}

/** One line of the side-by-side table (measured at k = 10, the table's columns). */
export function scaleRow(
  system: string,
  setting: string,
  corpus: { readonly documents: number; readonly tokens: number },
  build: BuildFigures,
  measured: Pick<EngineMeasurement, 'k' | 'latency' | 'agreement' | 'plantedRecall'>,
): ScaleRow {
  if (measured.k !== 10) throw new RangeError(`scale row: the table reports top-10 figures, the measurement is at k = ${measured.k}`);
  return {
    system,
    setting,
    documents: corpus.documents,
    tokens: corpus.tokens,
    buildSeconds: build.seconds,
    buildCpuSeconds: build.cpuSeconds,
    diskBytes: build.diskBytes,
    peakRssBytes: build.peakRssBytes,
    p50Ms: measured.latency.p50Ms,
    p95Ms: measured.latency.p95Ms,
    agreementAt10: measured.agreement,
    plantedRecallAt10: measured.plantedRecall,
  };
}
