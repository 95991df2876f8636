import type { ReductionPipeline } from '../../pool/index.js';
import { documentText, representedTokens, type DocumentRecord, type MultiVector } from '../../shared/index.js';
import { fitsKey } from '../lmdb-keys.js';
import { analyze } from '../sparse/analyzer.js';
import type { SparseInput } from '../sparse/sparse-input.js';
import type { PreparedDocument, SparseIndexMode } from '../types.js';

/** What preparing documents for one index depends on. */
export interface PreparationSettings {
  /** The index's sparse postings: what `sparse` each document gets. */
  readonly sparseMode: SparseIndexMode;
  /** Keep the tokens each reduced document's rows stand for (the index's `exactMatchRecovery`). */
  readonly exactTokens: boolean;
  /** Leading rows poolers keep unmerged. */
  readonly protectedLeadingTokens: number;
  /** Seed for every randomised reduction step. */
  readonly seed: number;
  /** IDF of an encoder token in the index (IDF-based reduction steps). */
  idf(term: string): number;
}

/**
 * A document's word-level and vector work in one place: reduces the encoder's rows (`encoded[i]` belongs to
 * `records[i]`), and takes from the unreduced tokens the document-frequency terms, from the reduced rows the
 * exact-match tokens, from the text the BM25 terms (or from the record its learned weights).
 */
export function prepareDocuments(
  records: readonly DocumentRecord[],
  encoded: readonly MultiVector[],
  pipeline: ReductionPipeline,
  settings: PreparationSettings,
): PreparedDocument[] {
  return records.map((record, i) => {
    const mv = encoded[i]!;
    const { vectors, stepCounts } = pipeline.apply(mv, {
      protectedLeadingTokens: settings.protectedLeadingTokens,
      seed: settings.seed,
      idf: (term: string) => settings.idf(term),
      ...(mv.grid && { grid: mv.grid }),
    });
    const sparse = sparseInputFor(record, settings.sparseMode);
    return {
      id: record.id,
      ...(record.title !== undefined && { title: record.title }),
      ...(record.text !== undefined && { text: record.text }),
      ...(record.metadata && { metadata: record.metadata }),
      ...(sparse && { sparse }),
      vectors,
      ...(mv.tokens && { terms: [...new Set(mv.tokens)] }),
      ...(settings.exactTokens && { exactTokens: representedTokens(vectors) }),
      stepCounts,
    };
  });
}

/**
 * What the sparse postings of an index of `mode` index for a record: the BM25 terms of its document text (when
 * it has a title or text), or its learned-sparse weights (when it carries them); nothing otherwise.
 */
export function sparseInputFor(record: Pick<DocumentRecord, 'title' | 'text' | 'sparse'>, mode: SparseIndexMode): SparseInput | undefined {
  if (mode === 'bm25') {
    if (!record.title && !record.text) return undefined;
    // A pathological "word" longer than an LMDB key cannot be a term; such words are not searchable anyway.
    return { terms: analyze(documentText(record)).filter(fitsKey) };
  }
  return mode === 'learned' && record.sparse ? { weights: record.sparse } : undefined;
}
