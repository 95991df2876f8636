/**
 * Seeded synthetic corpus for sparse benchmarks: documents of analyzed SciFact terms.
 * - vocabulary: every analyzed term of the SciFact corpus, ranked by corpus frequency;
 * - background tokens: Zipfian over that rank (p(r) ~ 1 / (r + 1)^s, s = 1.0 by default);
 * - burstiness / topic mixture: a share of each document's tokens is drawn from one real SciFact document (its
 *   primary topic) and a smaller share from a second one, so terms co-occur and repeat as in real abstracts;
 * - order: by default documents come in random order (topics drawn independently per document); `clustered`
 *   gives documents of one primary topic neighbouring ids instead (what a reordered index looks like);
 * - lengths: drawn from the empirical distribution of SciFact's analyzed document lengths.
 */
import { analyze } from '../src/index/sparse/index.js';
import { readCorpus } from './sparse-datasets.js';

export interface SyntheticCorpusOptions {
  readonly documents: number;
  readonly seed?: number;
  /** Zipf exponent of the background distribution. */
  readonly zipfExponent?: number;
  /** Share of tokens drawn from the primary topic document; default 0.35. */
  readonly topicShare?: number;
  /** Share of tokens drawn from the secondary topic document; default 0.15. */
  readonly secondaryShare?: number;
  /**
   * Assign primary topics in id order (documents of one topic get neighbouring internal ids), emulating a
   * reordered index; false (default) draws every document's topics at random, i.e. a shuffled collection.
   */
  readonly clustered?: boolean;
}

export interface SyntheticDocument {
  readonly internalId: number;
  readonly terms: string[];
}

import { mulberry32 as seededRandom } from '../src/shared/random.js';

export { seededRandom };

export interface SyntheticSource {
  readonly vocabulary: readonly string[];
  readonly topics: readonly string[][];
}

export function scifactSource(): SyntheticSource {
  const topics = readCorpus('scifact').map((d) => analyze(d.text));
  const counts = new Map<string, number>();
  for (const terms of topics) for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
  const vocabulary = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
  return { vocabulary, topics: topics.filter((t) => t.length > 0) };
}

/** Yields `documents` documents with internal ids 0..documents-1, deterministic for a seed. */
export function* syntheticCorpus(source: SyntheticSource, options: SyntheticCorpusOptions): Generator<SyntheticDocument> {
  const random = seededRandom(options.seed ?? 42);
  const s = options.zipfExponent ?? 1.0;
  const topicShare = options.topicShare ?? 0.35;
  const secondaryShare = options.secondaryShare ?? 0.15;
  const vocab = source.vocabulary;
  const cdf = new Float64Array(vocab.length);
  let total = 0;
  for (let r = 0; r < vocab.length; r++) cdf[r] = total += 1 / (r + 1) ** s;
  for (let r = 0; r < vocab.length; r++) cdf[r]! /= total;
  const sampleZipf = (): string => {
    const u = random();
    let lo = 0;
    let hi = vocab.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo]!;
  };
  const topics = source.topics;
  const clustered = options.clustered ?? false;
  for (let id = 0; id < options.documents; id++) {
    const topic = topics[clustered ? Math.floor((id * topics.length) / options.documents) : Math.floor(random() * topics.length)]!;
    const secondary = topics[Math.floor(random() * topics.length)]!;
    const length = topics[Math.floor(random() * topics.length)]!.length;
    const terms = new Array<string>(length);
    for (let i = 0; i < length; i++) {
      const u = random();
      terms[i] =
        u < topicShare
          ? topic[Math.floor(random() * topic.length)]!
          : u < topicShare + secondaryShare
            ? secondary[Math.floor(random() * secondary.length)]!
            : sampleZipf();
    }
    yield { internalId: id, terms };
  }
}
