import { type MultiVector, multiVector, normalizeRows, WORD_STOPWORDS } from '../../shared/index.js';
import type { DocumentTokenSpans, Encoder, EncoderIdentity } from '../encoder.js';
import type { EmbeddingTable } from './embedding-table.js';
import { HASHED_VECTOR_SPEC, writeHashedVector } from './hashed-vector.js';
import { type TableCacheOptions, loadCachedTable } from './table-cache.js';
import { sha256Hex } from './table-format.js';
import { WORD_TOKENIZER_SPEC, WordTokenizer } from './word-tokenizer.js';

export const STATIC_ENCODER_NAME = 'wink-sg-100d';

/**
 * The embedded encoder keeps a document's first 2048 words (kept words: stopwords and punctuation do not count).
 * The longest document of the six test collections has 1004, so none of them is cut; a 200k-word document would
 * otherwise store 200k vectors and slow every search that scores it. Not part of the encoder's identity: an index
 * built before the cap stores such documents whole, which changes nothing for its queries.
 */
export const STATIC_DOCUMENT_TOKENS = 2048;

export interface StaticEncoderOptions extends TableCacheOptions {
  /** Words of a document kept (default `STATIC_DOCUMENT_TOKENS`). */
  readonly documentTokens?: number;
}

/**
 * The embedded default encoder: one L2-normalised row per kept word (see WordTokenizer), taken from the
 * pretrained table, or a deterministic hashed vector for out-of-vocabulary words. Queries and documents are
 * encoded the same way; the searcher weights query rows by IDF (`queryWeighting: 'idf'`) using `tokens`.
 */
export class StaticEncoder implements Encoder {
  readonly identity: EncoderIdentity;
  readonly queryWeighting = 'idf' as const;
  readonly contextFree = true;
  readonly protectedLeadingTokens = 0;
  readonly documentTokenLimit: number;
  private readonly tokenizer: WordTokenizer;

  constructor(
    readonly table: EmbeddingTable,
    stopwords: ReadonlySet<string> = WORD_STOPWORDS,
    documentTokens = STATIC_DOCUMENT_TOKENS,
  ) {
    if (!Number.isInteger(documentTokens) || documentTokens < 1) throw new RangeError(`documentTokens must be a positive integer, got ${documentTokens}`);
    this.documentTokenLimit = documentTokens;
    this.tokenizer = new WordTokenizer(table, stopwords);
    this.identity = {
      kind: 'static',
      name: STATIC_ENCODER_NAME,
      dim: table.dim,
      hash: staticEncoderHash(table.contentHash, stopwords),
    };
  }

  /** Loads the cached table, converting the package's JSON once if the cache is missing, stale or corrupt. */
  static async load(options: StaticEncoderOptions = {}): Promise<StaticEncoder> {
    return new StaticEncoder(loadCachedTable(options).table, WORD_STOPWORDS, options.documentTokens);
  }

  /** The kept words of `text`, one per row that `encode` produces. */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text);
  }

  /** One row per kept word of `text`; with `limit`, of its first `limit` kept words only. */
  encode(text: string, limit = Infinity): MultiVector {
    const tokenized = this.tokenizer.tokenizeWithRows(text);
    const cut = tokenized.tokens.length > limit;
    const tokens = cut ? tokenized.tokens.slice(0, limit) : tokenized.tokens;
    const rows = tokenized.rows;
    const dim = this.table.dim;
    const data = new Float32Array(tokens.length * dim);
    for (let i = 0; i < tokens.length; i++) {
      const row = rows[i]!;
      if (row >= 0) this.table.copyRow(row, data, i * dim);
      else writeHashedVector(tokens[i]!, dim, data, i * dim);
    }
    // Table rows were unit length before float16 rounding; renormalise so every row is unit in float32.
    normalizeRows(data, dim);
    return multiVector(data, dim, { tokens, ...(cut && { truncatedFrom: tokenized.tokens.length }) });
  }

  async encodeDocuments(texts: readonly string[]): Promise<MultiVector[]> {
    return texts.map((text) => this.encode(text, this.documentTokenLimit));
  }

  async encodeQueries(texts: readonly string[]): Promise<MultiVector[]> {
    return texts.map((text) => this.encode(text));
  }

  documentTokenSpans(text: string): DocumentTokenSpans | undefined {
    const spanned = this.tokenizer.tokenizeWithSpans(text);
    if (!spanned) return undefined;
    const limit = this.documentTokenLimit;
    if (spanned.tokens.length <= limit) return { tokens: spanned.tokens, spans: spanned.spans };
    return { tokens: spanned.tokens.slice(0, limit), spans: spanned.spans.slice(0, 2 * limit) };
  }

  async close(): Promise<void> {}
}

/** Identity hash: table content + tokenizer rules + stopword list + OOV vector scheme. */
export function staticEncoderHash(tableContentHash: string, stopwords: ReadonlySet<string>): string {
  return sha256Hex(
    JSON.stringify({
      table: tableContentHash,
      tokenizer: WORD_TOKENIZER_SPEC,
      stopwords: [...stopwords].sort(),
      oov: HASHED_VECTOR_SPEC,
    }),
  ).slice(0, 32);
}
