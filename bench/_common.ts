/** Helpers shared by the benchmark scripts: build an index from a BEIR corpus, and evaluate a retrieval setting. */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Encoder } from '../src/encode/index.js';
import { evaluate, loadBeirSplit, type EvaluationResult, type RankedList } from '../src/eval/index.js';
import { IndexBuilder, LateIndex, readCorpus } from '../src/index/index.js';
import { parseReductionSpec } from '../src/pool/index.js';
import { Retriever, type RetrieveOptions } from '../src/search/index.js';
import type { DocumentRecord } from '../src/shared/index.js';

export const DATA = path.resolve(import.meta.dirname, '../../shared/data');

/** Builds (or with `reuse`, reopens) an index of `dataset`'s corpus; returns it with the build time. */
export async function buildIndex(
  dataset: string,
  dir: string,
  encoder: Encoder,
  options: { reduce?: string; reuse?: boolean } = {},
): Promise<{ index: LateIndex; seconds: number }> {
  if (options.reuse && existsSync(path.join(dir, 'manifest.json'))) {
    return { index: await LateIndex.open(dir), seconds: Number.NaN };
  }
  rmSync(dir, { recursive: true, force: true });
  const pipeline = parseReductionSpec(options.reduce ?? 'none');
  const started = performance.now();
  const index = await LateIndex.create(dir, { encoder: encoder.identity, reduction: pipeline.spec });
  const builder = new IndexBuilder(index, encoder, pipeline);
  let batch: DocumentRecord[] = [];
  for await (const record of readCorpus(path.join(DATA, dataset, 'corpus.jsonl'))) {
    batch.push(record);
    if (batch.length === 64) {
      await builder.addBatch(batch);
      batch = [];
    }
  }
  if (batch.length) await builder.addBatch(batch);
  await index.flush();
  return { index, seconds: (performance.now() - started) / 1000 };
}

/** Runs every judged test query of `dataset` through the retriever with `options` (depth 100). */
export async function evaluateSetting(dataset: string, retriever: Retriever, options: RetrieveOptions): Promise<EvaluationResult> {
  const { queries, qrels } = await loadBeirSplit(path.join(DATA, dataset), 'test');
  return evaluate({
    queries,
    qrels,
    depth: 100,
    searchFn: async (text): Promise<RankedList> => (await retriever.search(text, options)).map((h) => ({ id: h.id, score: h.score })),
  });
}
