/**
 * The exhaustive reference: exact MaxSim (the project's WebAssembly SIMD scorer, equal to `maxSimKernel`) of every
 * bundle query against every document, over the vectors exactly as the bundle stores them (float16 rows widened
 * exactly to float32: the vectors every system under test reads), streamed in chunks over worker threads so
 * memory stays bounded. Writes each query's top 100 to <bundle>/exhaustive-top100.json with the planted recall.
 *   npx tsx bench/contextual/exhaustive.ts --bundle /tmp/ctx-10k [--workers 2] [--k 100]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MAXSIM_BACKEND } from '../../src/search/index.js';
import { Bundle, BUNDLE_FILES } from './bundle.js';
import { isMain } from './cli.js';
import type { PartialTopK } from './exact-top-k.js';
import { exhaustiveJob, type ExhaustiveSetup } from './exhaustive-job.js';
import { plantedRecall, scoreGapSummary, timed, type GapSummary } from './measure.js';
import { runPool } from './worker-pool.js';

export interface ExhaustiveReference {
  readonly k: number;
  readonly documents: number;
  readonly tokens: number;
  readonly dtype: string;
  readonly backend: string;
  readonly workers: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly plantedRecallAt1: number;
  readonly plantedRecallAt10: number;
  readonly plantedRecallAt100: number;
  readonly gaps: GapSummary;
  /** Per query (bundle order): the top k document ids and their exact scores, best first. */
  readonly results: ReadonlyArray<{ readonly ids: string[]; readonly scores: number[] }>;
}

/** Merges workers' partial top-k lists per query: score descending, then document index ascending. */
export function mergeTopK(partials: readonly PartialTopK[], k: number): PartialTopK {
  const queries = partials[0]?.length ?? 0;
  return Array.from({ length: queries }, (_, q) =>
    partials
      .flatMap((p) => p[q]!)
      .sort((a, b) => b.score - a.score || a.internalId - b.internalId)
      .slice(0, k),
  );
}

export async function runExhaustive(bundleDir: string, options: { workers?: number; k?: number; chunkDocuments?: number } = {}): Promise<ExhaustiveReference> {
  const bundle = Bundle.open(bundleDir);
  const k = options.k ?? 100;
  const workers = options.workers ?? 2;
  const setup: ExhaustiveSetup = { bundleDir, k, chunkDocuments: options.chunkDocuments ?? 64 };
  const { result: partials, seconds, cpuSeconds } = await timed(() =>
    runPool(
      { module: new URL('./exhaustive-worker.ts', import.meta.url), factory: exhaustiveJob, setup, workers },
      Math.ceil(bundle.documents / setup.chunkDocuments),
    ),
  );
  const ids = bundle.ids();
  const results = mergeTopK(partials, k).map((list) => ({ ids: list.map((h) => ids[h.internalId]!), scores: list.map((h) => h.score) }));
  const targets = bundle.targets();
  const ranked = results.map((r) => r.ids);
  return {
    k,
    documents: bundle.documents,
    tokens: bundle.manifest.tokens,
    dtype: bundle.manifest.dtype,
    backend: MAXSIM_BACKEND,
    workers,
    seconds,
    cpuSeconds,
    plantedRecallAt1: plantedRecall(ranked, targets, 1),
    plantedRecallAt10: plantedRecall(ranked, targets, 10),
    plantedRecallAt100: plantedRecall(ranked, targets, 100),
    gaps: scoreGapSummary(results.map((r) => r.scores), 10),
    results,
  };
}

/** The reference a previous run saved in the bundle. */
export function loadExhaustive(bundleDir: string): ExhaustiveReference {
  return JSON.parse(readFileSync(Bundle.open(bundleDir).file('exhaustive'), 'utf8')) as ExhaustiveReference;
}

/** Saves the reference in the bundle, where `loadExhaustive` finds it. */
export function saveExhaustive(bundleDir: string, reference: ExhaustiveReference): void {
  writeFileSync(Bundle.open(bundleDir).file('exhaustive'), JSON.stringify(reference) + '\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { bundle: { type: 'string' }, workers: { type: 'string', default: '2' }, k: { type: 'string', default: '100' } },
  });
  if (values.bundle === undefined) {
    process.stderr.write('usage: exhaustive.ts --bundle DIR [--workers 2] [--k 100]\n');
    process.exit(2);
  }
  const reference = await runExhaustive(values.bundle, { workers: Number(values.workers), k: Number(values.k) });
  saveExhaustive(values.bundle, reference);
  const { results, gaps, ...summary } = reference;
  const pairs = reference.documents * results.length;
  process.stdout.write(
    JSON.stringify({ ...summary, queries: results.length, gaps, documentQueryPairsPerSecond: Math.round(pairs / reference.seconds), pairsPerCpuSecond: Math.round(pairs / reference.cpuSeconds) }, null, 2) +
      `\n-> ${values.bundle}/${BUNDLE_FILES.exhaustive}\n`,
  );
}

if (isMain(import.meta.url)) await main();
