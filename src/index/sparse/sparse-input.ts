import { MAX_KEY_BYTES } from '../lmdb-keys.js';

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
