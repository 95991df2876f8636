import { type MultiVector, multiVector, normalizeRows, WORD_STOPWORDS } from '../../shared/index.js';
import type { DocumentTokenSpans, Encoder, EncoderIdentity } from '../encoder.js';
import type { EmbeddingTable } from './embedding-table.js';
import { HASHED_VECTOR_SPEC, writeHashedVector } from './hashed-vector.js';
import { type TableCacheOptions, loadCachedTable } from './table-cache.js';
import { sha256Hex } from './table-format.js';
import { WORD_TOKENIZER_SPEC, WordTokenizer } from './word-tokenizer.js';

export const STATIC_ENCODER_NAME = 'wink-sg-100d';

export type StaticEncoderOptions = TableCacheOptions;

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
  private readonly tokenizer: WordTokenizer;

  constructor(
    readonly table: EmbeddingTable,
    stopwords: ReadonlySet<string> = WORD_STOPWORDS,
  ) {
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
    return new StaticEncoder(loadCachedTable(options).table);
  }

  /** The kept words of `text`, one per row that `encode` produces. */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text);
  }

  encode(text: string): MultiVector {
    const { tokens, rows } = this.tokenizer.tokenizeWithRows(text);
    const dim = this.table.dim;
    const data = new Float32Array(tokens.length * dim);
    for (let i = 0; i < tokens.length; i++) {
      const row = rows[i]!;
      if (row >= 0) this.table.copyRow(row, data, i * dim);
      else writeHashedVector(tokens[i]!, dim, data, i * dim);
    }
    // Table rows were unit length before float16 rounding; renormalise so every row is unit in float32.
    normalizeRows(data, dim);
    return multiVector(data, dim, { tokens });
  }

  async encodeDocuments(texts: readonly string[]): Promise<MultiVector[]> {
    return texts.map((text) => this.encode(text));
  }

  async encodeQueries(texts: readonly string[]): Promise<MultiVector[]> {
    return texts.map((text) => this.encode(text));
  }

  documentTokenSpans(text: string): DocumentTokenSpans | undefined {
    const spanned = this.tokenizer.tokenizeWithSpans(text);
    return spanned && { tokens: spanned.tokens, spans: spanned.spans };
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
