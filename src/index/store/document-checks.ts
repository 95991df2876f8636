import { InputError } from '../../shared/index.js';
import { fitsKey, MAX_KEY_BYTES } from '../lmdb-keys.js';
import { sparseWeightsProblem } from '../sparse/sparse-input.js';
import type { PreparedDocument, SparseIndexMode } from '../types.js';

/**
 * Checks a prepared document against what the index stores, before any write: an id and tokens that fit LMDB
 * keys, sparse input of the index's kind (BM25 terms exactly when a `bm25` index's document has text; valid
 * learned weights), and vectors of the index's dim with finite values. Errors name the document and field.
 */
export function checkPreparedDocument(doc: PreparedDocument, dim: number, sparseMode: SparseIndexMode): void {
  if (typeof doc.id !== 'string' || doc.id.length === 0) {
    throw new InputError('document id must be a non-empty string', undefined, 'id');
  }
  if (Buffer.byteLength(doc.id) > MAX_KEY_BYTES) throw new InputError(`document id "${doc.id.slice(0, 40)}..." is longer than ${MAX_KEY_BYTES} bytes`, undefined, 'id');
  for (const [field, tokens] of [['terms', doc.terms], ['exactTokens', doc.exactTokens]] as const) {
    for (const token of tokens ?? []) {
      if (!fitsKey(token)) {
        throw new InputError(`document "${doc.id}": every entry of ${field} must be a string of at most ${MAX_KEY_BYTES} bytes`, undefined, field);
      }
    }
  }
  checkSparse(doc, sparseMode);
  const v = doc.vectors;
  if (!v || !(v.data instanceof Float32Array)) {
    throw new InputError(`document "${doc.id}": vectors must be a MultiVector with Float32Array data`, undefined, 'vectors');
  }
  if (v.dim !== dim) throw new InputError(`document "${doc.id}": vectors have dim ${v.dim}, the index stores dim ${dim}`, undefined, 'vectors');
  if (!Number.isInteger(v.count) || v.count < 0 || v.data.length !== v.count * v.dim) {
    throw new InputError(`document "${doc.id}": vector data holds ${v.data.length} floats, expected count ${v.count} x dim ${v.dim}`, undefined, 'vectors');
  }
  const data = v.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new InputError(`document "${doc.id}": vector ${Math.floor(i / v.dim)} holds a non-finite value`, undefined, 'vectors');
    }
  }
}

function checkSparse(doc: PreparedDocument, mode: SparseIndexMode): void {
  const sparse = doc.sparse;
  const fail = (message: string): never => {
    throw new InputError(`document "${doc.id}": ${message}`, undefined, 'sparse');
  };
  if (sparse !== undefined && (typeof sparse !== 'object' || sparse === null)) fail('sparse must be { terms } or { weights }');
  if (sparse !== undefined && 'weights' in sparse) {
    const problem = sparseWeightsProblem(sparse.weights);
    if (problem) fail(`sparse ${problem.message}`);
    if (mode === 'bm25') fail('a BM25 index takes analysed terms (sparse.terms), not weights');
  }
  if (sparse !== undefined && 'terms' in sparse) {
    if (!Array.isArray(sparse.terms) || !sparse.terms.every((term) => fitsKey(term) && term.length > 0)) {
      fail(`sparse terms must be non-empty strings of at most ${MAX_KEY_BYTES} bytes`);
    }
    if (mode === 'learned') fail('a learned-sparse index takes weights (sparse.weights), not terms');
  }
  if (mode === 'bm25' && (sparse !== undefined) !== Boolean(doc.title || doc.text)) {
    fail(sparse === undefined ? 'a BM25 index needs the analysed terms of its title and text (sparse.terms)' : 'has sparse terms but no title or text');
  }
}
