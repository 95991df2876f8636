import type { MultiVector } from '../shared/index.js';

/**
 * What an index records about the encoder that built it. Two encoders with the same `hash`
 * produce the same vectors; opening an index with a different identity is an error.
 */
export interface EncoderIdentity {
  readonly kind: 'onnx' | 'static' | 'precomputed';
  readonly name: string;
  readonly dim: number;
  /** Hash of the model files or parameters that determine the vectors. */
  readonly hash: string;
}

/**
 * Where the rows of a document's encoding come from: per row its token and the [start, end) UTF-16 offsets in the
 * encoded text of the characters it was read from (-1, -1 when no text stands behind it, e.g. [CLS]).
 */
export interface DocumentTokenSpans {
  readonly tokens: readonly string[];
  /** `spans[2r]`, `spans[2r + 1]`: row r's start and end. */
  readonly spans: Int32Array;
}

export interface Encoder {
  readonly identity: EncoderIdentity;
  /**
   * `idf`: the searcher weights each query row by the IDF of its token in the index (static encoders).
   * `uniform`: every query row weighs 1 (ColBERT models).
   */
  readonly queryWeighting: 'uniform' | 'idf';
  /**
   * True when a token's vector does not depend on its context: every document and query row of the same token is
   * the same vector, so a document holding a query's token matched it exactly before any pooling (static tables).
   * Indexes of such an encoder can keep exact-match recovery data.
   */
  readonly contextFree: boolean;
  /** Leading document rows (e.g. [CLS], [D]) that poolers keep unmerged by default. */
  readonly protectedLeadingTokens: number;
  /**
   * The most tokens of a document the encoder reads (ONNX models: `document_length`, special tokens included; the
   * embedded encoder: `STATIC_DOCUMENT_TOKENS` words); the rest of a longer document is cut, and its encoding says
   * so (`MultiVector.truncatedFrom`). Absent when documents are never cut (precomputed vectors). Queries are not cut
   * by this limit.
   */
  readonly documentTokenLimit?: number;
  encodeDocuments(texts: readonly string[]): Promise<MultiVector[]>;
  encodeQueries(texts: readonly string[]): Promise<MultiVector[]>;
  /**
   * The tokens and character spans of the rows `encodeDocuments([text])` returns for `text`, in row order; undefined
   * when this text's offsets cannot be told. Tokenizes only (no model runs). Absent for encoders without text.
   */
  documentTokenSpans?(text: string): DocumentTokenSpans | undefined;
  close(): Promise<void>;
}

export function sameEncoder(a: EncoderIdentity, b: EncoderIdentity): boolean {
  return a.kind === b.kind && a.name === b.name && a.dim === b.dim && a.hash === b.hash;
}

export function describeEncoder(identity: EncoderIdentity): string {
  return `${identity.kind}:${identity.name} (dim ${identity.dim}, hash ${identity.hash.slice(0, 12)})`;
}
