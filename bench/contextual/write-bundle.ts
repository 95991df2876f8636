/**
 * Writes a precomputed-embeddings bundle (layout in bundle.ts) of the contextual generator's documents and queries,
 * streaming: worker threads generate chunks of documents and write them at their positions in embeddings.npy.
 *   npx tsx bench/contextual/write-bundle.ts --docs 10000 --out /tmp/ctx-10k [--dtype float16] [--seed 1]
 *     [--queries N] [--workers 2] [--params '{"tokenCosine":0.8}']
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FILES, type BundleManifest } from './bundle.js';
import { ContextualCorpus, defaultQueryCount, type ContextualCorpusParams } from './generator.js';
import { isMain } from './cli.js';
import { documentId, generationJob, type GenerationSetup } from './generation-job.js';
import { cpuSecondsSince } from './measure.js';
import { createNpyFile, writeNpy } from './npy.js';
import { runPool } from './worker-pool.js';

export interface WriteBundleOptions {
  readonly documents: number;
  readonly out: string;
  readonly dtype?: 'float32' | 'float16';
  readonly params?: Partial<ContextualCorpusParams>;
  /** Defaults to `defaultQueryCount(documents)`. */
  readonly queries?: number;
  /** Worker threads (0 = generate in this thread); default 2. */
  readonly workers?: number;
  /** Documents per task; default 256. */
  readonly chunkDocuments?: number;
}

function writeIds(file: string, documents: number): void {
  const fd = openSync(file, 'w');
  try {
    for (let first = 0; first < documents; first += 65536) {
      const lines: string[] = [];
      for (let i = first; i < Math.min(documents, first + 65536); i++) lines.push(documentId(i));
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes the bundle; returns its manifest (also written to bundle.json, last). */
export async function writeBundle(options: WriteBundleOptions): Promise<BundleManifest> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const corpus = new ContextualCorpus(options.params);
  const { params } = corpus;
  const { documents, out } = options;
  const dtype = options.dtype ?? 'float32';
  const queryCount = options.queries ?? defaultQueryCount(documents);
  if (!Number.isInteger(documents) || documents < 1) throw new RangeError(`write-bundle: --docs must be a positive integer, got ${documents}`);
  mkdirSync(out, { recursive: true });
  const file = (name: keyof typeof BUNDLE_FILES): string => path.join(out, BUNDLE_FILES[name]);

  const doclens = new Int32Array(documents);
  const offsets = new Float64Array(documents + 1);
  for (let i = 0; i < documents; i++) {
    doclens[i] = corpus.documentLength(i);
    offsets[i + 1] = offsets[i]! + doclens[i]!;
  }
  const tokens = offsets[documents]!;
  writeNpy(file('doclens'), 'int32', [documents], doclens);
  writeIds(file('ids'), documents);

  const layout = createNpyFile(file('embeddings'), dtype, [tokens, params.dim]);
  const chunkDocuments = options.chunkDocuments ?? 256;
  const setup: GenerationSetup = { params, dtype, embeddingsPath: file('embeddings'), layout, documents, chunkDocuments, offsets };
  const results = await runPool(
    { module: new URL('./generate-worker.ts', import.meta.url), factory: generationJob, setup, workers: options.workers ?? 2 },
    Math.ceil(documents / chunkDocuments),
  );
  const generated = results.reduce((sum, r) => sum + r.documents, 0);
  if (generated !== documents) throw new Error(`write-bundle: workers generated ${generated} of ${documents} documents`);

  const targets = corpus.queryTargets(documents, queryCount);
  const queryRows = new Float32Array(queryCount * params.queryTokens * params.dim);
  for (let q = 0; q < queryCount; q++) queryRows.set(corpus.query(q, targets[q]!), q * params.queryTokens * params.dim);
  writeNpy(file('queries'), 'float32', [queryCount * params.queryTokens, params.dim], queryRows);
  writeFileSync(file('targets'), JSON.stringify(Array.from(targets, documentId)) + '\n');

  const manifest: BundleManifest = {
    format: 'lateindex-contextual-bundle',
    version: 1,
    documents,
    tokens,
    dim: params.dim,
    dtype,
    queries: queryCount,
    queryTokens: params.queryTokens,
    generator: params,
    writeSeconds: (performance.now() - started) / 1000,
    writeCpuSeconds: cpuSecondsSince(cpuStarted),
  };
  writeFileSync(file('manifest'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      docs: { type: 'string' },
      out: { type: 'string' },
      dtype: { type: 'string', default: 'float32' },
      seed: { type: 'string', default: '1' },
      queries: { type: 'string' },
      workers: { type: 'string', default: '2' },
      params: { type: 'string', default: '{}' },
    },
  });
  if (values.docs === undefined || values.out === undefined) {
    process.stderr.write('usage: write-bundle.ts --docs N --out DIR [--dtype float32|float16] [--seed S] [--queries N] [--workers W] [--params JSON]\n');
    process.exit(2);
  }
  if (values.dtype !== 'float32' && values.dtype !== 'float16') {
    process.stderr.write(`write-bundle: --dtype must be float32 or float16, got ${values.dtype}\n`);
    process.exit(2);
  }
  const params = { ...(JSON.parse(values.params) as Partial<ContextualCorpusParams>), seed: Number(values.seed) };
  const manifest = await writeBundle({
    documents: Number(values.docs),
    out: values.out,
    dtype: values.dtype,
    params,
    queries: values.queries === undefined ? undefined : Number(values.queries),
    workers: Number(values.workers),
  });
  const { writeSeconds = 0, writeCpuSeconds = 0 } = manifest;
  process.stdout.write(
    `${manifest.documents} documents, ${manifest.tokens} vectors (${manifest.dtype}), ${manifest.queries} queries -> ${values.out}\n` +
      `${writeSeconds.toFixed(1)} s wall, ${writeCpuSeconds.toFixed(1)} s CPU: ` +
      `${Math.round(manifest.tokens / writeSeconds)} vectors/s wall, ${Math.round(manifest.tokens / writeCpuSeconds)} vectors per CPU-second\n`,
  );
}

if (isMain(import.meta.url)) await main();
