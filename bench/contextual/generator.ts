/**
 * Seeded generator of ColBERT-like contextual multi-vectors, with queries that each have a planted relevant
 * document. The model (defaults in `DEFAULT_CORPUS_PARAMS`; README.md here explains it and its limits):
 * - concepts: `concepts` (2^15) random unit vectors in `dim` (128) dimensions, the "meanings" a token can carry;
 * - themes: `themes` (256) topics of `conceptsPerTheme` (24) concepts each, drawn uniformly;
 * - a document has 60-140 tokens (uniform) and `themesPerDocument` (2) themes, of each of which it uses its own
 *   `conceptsPerDocumentTheme` (20) concepts; each token carries a concept from those with probability
 *   `themeShare` (0.7), else a background concept drawn Zipf-like (p(rank r) ~ 1 / (r + 1)^1) over all
 *   concepts, as function words and punctuation recur in every passage. Token mass is concentrated: about 6k
 *   concepts carry 90% of the tokens (exp(entropy) ~ 6.1k), 21k carry 99%, so a 2^13 codebook has about one
 *   centroid per populated concept and 2^15-2^17 codebooks split each concept's noise cloud into several cells;
 * - token vector = normalise(centre + noise), noise isotropic Gaussian with per-component sigma
 *   sqrt((1 / c^2 - 1) / dim), so its expected cosine to the centre is `tokenCosine` (0.75: a centroid alone
 *   then reconstructs a token only roughly and the residual matters; a modelling choice, not a figure measured
 *   on real ColBERT vectors). Every vector is distinct (continuous noise);
 * - a query has `queryTokens` (32) tokens, each a fresh noisy draw around a concept (never a copy of a document
 *   vector): `queryTargetTokens` (6) around the concepts of randomly chosen tokens of its target document,
 *   `queryThemeTokens` (18) around random concepts of the target's two themes (the target holds 20 of each 24,
 *   so about 15 land on its concepts; documents sharing its themes hold them too), the rest (8) background.
 *   About two thirds of a query thus matches concepts of the target, which is usually but not always the
 *   exhaustive top-1: the competition is documents sharing its themes, and grows with the corpus.
 * Determinism: document i depends only on (params, i) through counter-keyed streams (see random-streams.ts), so
 * any range can be generated independently, in any order or worker, and equals the same slice of the whole.
 */
import { gaussianTable, RandomStream, ZipfSampler } from './random-streams.js';

export interface ContextualCorpusParams {
  readonly seed: number;
  readonly dim: number;
  readonly concepts: number;
  readonly themes: number;
  readonly conceptsPerTheme: number;
  readonly themesPerDocument: number;
  readonly conceptsPerDocumentTheme: number;
  /** Share of a document's tokens drawn from its themes; the rest are background. */
  readonly themeShare: number;
  /** Exponent of the Zipf-like background distribution over concept ranks. */
  readonly zipfExponent: number;
  readonly minTokens: number;
  readonly maxTokens: number;
  /** Expected cosine of a token vector to its concept centre. */
  readonly tokenCosine: number;
  readonly queryTokens: number;
  readonly queryTargetTokens: number;
  readonly queryThemeTokens: number;
}

export const DEFAULT_CORPUS_PARAMS: ContextualCorpusParams = {
  seed: 1,
  dim: 128,
  concepts: 32768,
  themes: 256,
  conceptsPerTheme: 24,
  themesPerDocument: 2,
  conceptsPerDocumentTheme: 20,
  themeShare: 0.7,
  zipfExponent: 1.0,
  minTokens: 60,
  maxTokens: 140,
  tokenCosine: 0.75,
  queryTokens: 32,
  queryTargetTokens: 6,
  queryThemeTokens: 18,
};

/** Stream kinds: each (kind, index) pair keys an independent random stream. */
const enum Stream {
  Centre = 0,
  Theme = 1,
  DocumentStructure = 2,
  DocumentNoise = 3,
  QueryTarget = 4,
  QueryStructure = 5,
  QueryNoise = 6,
}

/** About one query per 100 documents, at most 300 (the benchmark's fixed count at 30k documents and above). */
export function defaultQueryCount(documents: number): number {
  return Math.max(1, Math.min(300, Math.round(documents / 100)));
}

/** Per-component noise sigma giving expected cosine `cosine` to the centre in `dim` dimensions. */
export function noiseSigma(cosine: number, dim: number): number {
  return Math.sqrt((1 / (cosine * cosine) - 1) / dim);
}

function checkParams(p: ContextualCorpusParams): void {
  const positive = ['dim', 'concepts', 'themes', 'conceptsPerTheme', 'themesPerDocument', 'conceptsPerDocumentTheme', 'minTokens', 'queryTokens'] as const;
  for (const key of positive) {
    if (!Number.isInteger(p[key]) || p[key] < 1) throw new RangeError(`generator: ${key} must be a positive integer, got ${p[key]}`);
  }
  if (p.dim % 2 !== 0) throw new RangeError(`generator: dim must be even, got ${p.dim}`);
  if (!Number.isInteger(p.maxTokens) || p.maxTokens < p.minTokens) throw new RangeError(`generator: maxTokens ${p.maxTokens} < minTokens ${p.minTokens}`);
  if (p.conceptsPerTheme > p.concepts) throw new RangeError('generator: conceptsPerTheme exceeds concepts');
  if (p.conceptsPerDocumentTheme > p.conceptsPerTheme) throw new RangeError('generator: conceptsPerDocumentTheme exceeds conceptsPerTheme');
  if (p.themesPerDocument > p.themes) throw new RangeError('generator: themesPerDocument exceeds themes');
  if (!(p.themeShare >= 0 && p.themeShare <= 1)) throw new RangeError(`generator: themeShare must be in [0, 1], got ${p.themeShare}`);
  if (!(p.tokenCosine > 0 && p.tokenCosine < 1)) throw new RangeError(`generator: tokenCosine must be in (0, 1), got ${p.tokenCosine}`);
  if (!Number.isInteger(p.queryTargetTokens) || !Number.isInteger(p.queryThemeTokens) || p.queryTargetTokens < 0 || p.queryThemeTokens < 0 || p.queryTargetTokens + p.queryThemeTokens > p.queryTokens) {
    throw new RangeError('generator: queryTargetTokens + queryThemeTokens must be non-negative integers summing to at most queryTokens');
  }
}

/** Draws `count` distinct values of [0, n) from `random` (rejection; count is small next to n). */
function distinctBelow(random: RandomStream, n: number, count: number, out: Int32Array): void {
  for (let k = 0; k < count; k++) {
    let value: number;
    do value = random.below(n);
    while (out.subarray(0, k).includes(value));
    out[k] = value;
  }
}

/** The structure of one document: its length, themes' concept subsets and each token's concept. */
interface DocumentStructure {
  readonly concepts: Int32Array;
  /** themesPerDocument x conceptsPerDocumentTheme concept ids. */
  readonly themeConcepts: Int32Array;
  /** The document's theme ids. */
  readonly themes: Int32Array;
}

export class ContextualCorpus {
  readonly params: ContextualCorpusParams;
  readonly sigma: number;
  /** concepts x dim unit centres, row-major. */
  private readonly centres: Float32Array;
  /** themes x conceptsPerTheme concept ids. */
  private readonly themeTable: Int32Array;
  private readonly noise: Float32Array;
  private readonly background: ZipfSampler;
  /** Scratch for batched random draws (not re-entrant, like the rest of the instance). */
  private readonly draws = new Uint32Array(4096);

  constructor(params: Partial<ContextualCorpusParams> = {}) {
    this.params = { ...DEFAULT_CORPUS_PARAMS, ...params };
    checkParams(this.params);
    const { dim, concepts, themes, conceptsPerTheme, seed } = this.params;
    this.sigma = noiseSigma(this.params.tokenCosine, dim);
    this.noise = gaussianTable(this.sigma);
    this.background = new ZipfSampler(concepts, this.params.zipfExponent);
    const unitNormal = gaussianTable(1);
    this.centres = new Float32Array(concepts * dim);
    // A centre is normalised pure noise: one row of concept 0 over an all-zero centre table.
    const origin = new Int32Array(1);
    const zero = new Float32Array(dim);
    for (let c = 0; c < concepts; c++) {
      const random = new RandomStream(seed, Stream.Centre, c);
      writeNoisyRows(this.centres, c * dim, dim, origin, zero, unitNormal, random, this.draws);
    }
    this.themeTable = new Int32Array(themes * conceptsPerTheme);
    for (let t = 0; t < themes; t++) {
      distinctBelow(new RandomStream(seed, Stream.Theme, t), concepts, conceptsPerTheme, this.themeTable.subarray(t * conceptsPerTheme));
    }
  }

  /** The unit centre of concept c (a view). */
  centre(c: number): Float32Array {
    const { dim } = this.params;
    return this.centres.subarray(c * dim, (c + 1) * dim);
  }

  /** The concept ids of theme t (a view). */
  themeConcepts(t: number): Int32Array {
    const { conceptsPerTheme } = this.params;
    return this.themeTable.subarray(t * conceptsPerTheme, (t + 1) * conceptsPerTheme);
  }

  /** Number of token vectors of document i (its stream's first draw, so computing it is cheap). */
  documentLength(i: number): number {
    return this.lengthFrom(new RandomStream(this.params.seed, Stream.DocumentStructure, i));
  }

  private lengthFrom(random: RandomStream): number {
    const { minTokens, maxTokens } = this.params;
    return minTokens + random.below(maxTokens - minTokens + 1);
  }

  private structure(i: number): DocumentStructure {
    const p = this.params;
    const random = new RandomStream(p.seed, Stream.DocumentStructure, i);
    const length = this.lengthFrom(random);
    const themes = new Int32Array(p.themesPerDocument);
    distinctBelow(random, p.themes, p.themesPerDocument, themes);
    const themeConcepts = new Int32Array(p.themesPerDocument * p.conceptsPerDocumentTheme);
    const picks = new Int32Array(p.conceptsPerDocumentTheme);
    for (let k = 0; k < themes.length; k++) {
      distinctBelow(random, p.conceptsPerTheme, p.conceptsPerDocumentTheme, picks);
      for (let j = 0; j < picks.length; j++) {
        themeConcepts[k * p.conceptsPerDocumentTheme + j] = this.themeTable[themes[k]! * p.conceptsPerTheme + picks[j]!]!;
      }
    }
    const concepts = new Int32Array(length);
    for (let t = 0; t < length; t++) {
      concepts[t] = random.next() < p.themeShare ? themeConcepts[random.below(themeConcepts.length)]! : this.background.sample(random);
    }
    return { concepts, themeConcepts, themes };
  }

  /** The concept id of each of document i's tokens. */
  documentConcepts(i: number): Int32Array {
    return this.structure(i).concepts;
  }

  /** The themes document i draws from. */
  documentThemes(i: number): Int32Array {
    return this.structure(i).themes;
  }

  /** Writes document i's length x dim unit rows into `out` at float offset `offset`; returns the length. */
  writeDocument(i: number, out: Float32Array, offset = 0): number {
    const { concepts } = this.structure(i);
    const { dim, seed } = this.params;
    if (out.length < offset + concepts.length * dim) throw new RangeError(`generator: output too small for document ${i}`);
    writeNoisyRows(out, offset, dim, concepts, this.centres, this.noise, new RandomStream(seed, Stream.DocumentNoise, i), this.draws);
    return concepts.length;
  }

  /** Document i's rows as a new array. */
  document(i: number): Float32Array {
    const out = new Float32Array(this.documentLength(i) * this.params.dim);
    this.writeDocument(i, out);
    return out;
  }

  /** Planted targets of queries 0..count-1 in a corpus of `documents` documents: distinct document indices. */
  queryTargets(documents: number, count: number): Int32Array {
    if (count > documents) throw new RangeError(`generator: ${count} queries need as many documents, got ${documents}`);
    const used = new Set<number>();
    const targets = new Int32Array(count);
    for (let q = 0; q < count; q++) {
      const random = new RandomStream(this.params.seed, Stream.QueryTarget, q);
      let target: number;
      do target = random.below(documents);
      while (used.has(target));
      used.add(target);
      targets[q] = target;
    }
    return targets;
  }

  /** The concept of each token of query q, planted on document `target`. */
  queryConcepts(q: number, target: number): Int32Array {
    const p = this.params;
    const { concepts, themes } = this.structure(target);
    const random = new RandomStream(p.seed, Stream.QueryStructure, q);
    const out = new Int32Array(p.queryTokens);
    for (let t = 0; t < p.queryTokens; t++) {
      if (t < p.queryTargetTokens) {
        out[t] = concepts[random.below(concepts.length)]!;
      } else if (t < p.queryTargetTokens + p.queryThemeTokens) {
        const theme = themes[random.below(themes.length)]!;
        out[t] = this.themeTable[theme * p.conceptsPerTheme + random.below(p.conceptsPerTheme)]!;
      } else {
        out[t] = this.background.sample(random);
      }
    }
    return out;
  }

  /** Query q's queryTokens x dim unit rows, planted on document `target`. */
  query(q: number, target: number): Float32Array {
    const { dim, seed } = this.params;
    const concepts = this.queryConcepts(q, target);
    const out = new Float32Array(concepts.length * dim);
    writeNoisyRows(out, 0, dim, concepts, this.centres, this.noise, new RandomStream(seed, Stream.QueryNoise, q), this.draws);
    return out;
  }
}

/**
 * Row t of `out` (from float offset `at`) = normalise(centre(concepts[t]) + noise), the noise looked up in `table`
 * by 16-bit halves of the stream's draws (one 32-bit draw per two components), batched through `draws`.
 */
function writeNoisyRows(
  out: Float32Array,
  at: number,
  dim: number,
  concepts: Int32Array,
  centres: Float32Array,
  table: Float32Array,
  random: RandomStream,
  draws: Uint32Array,
): void {
  const perRow = dim >>> 1;
  const rowsPerBatch = Math.floor(draws.length / perRow);
  for (let first = 0; first < concepts.length; first += rowsPerBatch) {
    const rows = Math.min(rowsPerBatch, concepts.length - first);
    const batch = draws.subarray(0, rows * perRow);
    random.fill(batch);
    for (let r = 0; r < rows; r++) {
      const o = at + (first + r) * dim;
      const c = concepts[first + r]! * dim;
      const w = r * perRow;
      let norm = 0;
      for (let k = 0; k < perRow; k++) {
        const u = batch[w + k]!;
        const x0 = centres[c + 2 * k]! + table[u & 0xffff]!;
        const x1 = centres[c + 2 * k + 1]! + table[u >>> 16]!;
        out[o + 2 * k] = x0;
        out[o + 2 * k + 1] = x1;
        norm += x0 * x0 + x1 * x1;
      }
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[o + j]! *= scale;
    }
  }
}
