import { InputError } from '../../shared/index.js';
import { MAX_KEY_BYTES } from '../lmdb-keys.js';
import type { SparseDocument, SparseMode } from './types.js';

/** What one document gives the sparse store: BM25 terms in order with repeats (see `analyze`), or learned weights. */
export type SparseInput = { readonly terms: readonly string[] } | { readonly weights: Readonly<Record<string, number>> };

/** A valid learned-sparse (or query) weight: finite and >= 0; 0 stores nothing. */
export function isSparseWeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * The one check of a document's learned-sparse weights, used by the corpus reader, the index and the sparse
 * store: what is wrong (and with which term), or undefined when `weights` is an object of non-empty, key-sized
 * terms with valid weights. Callers wrap the message with the document and field they name.
 */
export function sparseWeightsProblem(weights: unknown): { readonly message: string; readonly term?: string } | undefined {
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) {
    return { message: `must be an object of term weights, got ${weights === null ? 'null' : Array.isArray(weights) ? 'array' : typeof weights}` };
  }
  for (const [term, weight] of Object.entries(weights)) {
    if (term.length === 0 || Buffer.byteLength(term) > MAX_KEY_BYTES) {
      return { message: `terms must be non-empty strings of at most ${MAX_KEY_BYTES} bytes` };
    }
    if (!isSparseWeight(weight)) return { message: `weight of "${term}" must be a finite number >= 0, got ${String(weight)}`, term };
  }
  return undefined;
}

/**
 * What the store scores for one of its documents (`documents[index]` of a write): the BM25 terms' frequencies and
 * the analysed length, or the learned weights (length: how many). Checked against the store's mode.
 */
export function termFrequencies(doc: SparseDocument, index: number, mode: SparseMode): { frequencies: Map<string, number>; length: number } {
  const frequencies = new Map<string, number>();
  if ('terms' in doc && Array.isArray(doc.terms)) {
    if (mode !== 'bm25') throw new InputError(`documents[${index}]: a learned-sparse store needs "weights", got "terms"`, undefined, 'terms');
    for (const term of doc.terms) {
      if (typeof term !== 'string' || term.length === 0) {
        throw new InputError(`documents[${index}]: terms must be non-empty strings`, undefined, 'terms');
      }
      frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
    }
    return { frequencies, length: doc.terms.length };
  }
  if ('weights' in doc && typeof doc.weights === 'object' && doc.weights !== null) {
    if (mode !== 'learned') throw new InputError(`documents[${index}]: a BM25 store needs "terms", got "weights"`, undefined, 'weights');
    const problem = sparseWeightsProblem(doc.weights);
    if (problem) throw new InputError(`documents[${index}]: ${problem.message}`, undefined, problem.term === undefined ? 'weights' : `weights.${problem.term}`);
    for (const [term, weight] of Object.entries(doc.weights)) if (weight > 0) frequencies.set(term, weight);
    return { frequencies, length: frequencies.size };
  }
  throw new InputError(`documents[${index}]: needs "terms" (string[]) or "weights" (object)`, undefined, mode === 'bm25' ? 'terms' : 'weights');
}
