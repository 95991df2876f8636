import type { VectorCodec } from './codecs/vector-codec.js';
import type { ExactTokenStore } from './exact-token-store.js';
import type { SparseStore } from './sparse/sparse-store.js';
import type { DocumentTable } from './store/document-table.js';
import type { StoreState } from './store/store-records.js';
import type { StoreSchema } from './store/store-schema.js';
import type { TokenVectorIndex } from './token-vectors/token-vector-index.js';
import type { IndexCounts, SparseIndexMode } from './types.js';

/**
 * Result of `LateIndex.verify()`: `problems` lists each inconsistency found (at most 100); `warnings` what is not
 * wrong but costs every open until it is repaired (a derived file that must be rebuilt or caught up).
 */
export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly documents: number;
  readonly vectors: number;
  readonly terms: number;
}

/** The parts of an index that `verifyIndex` cross-checks. */
export interface VerifiableIndex {
  readonly schema: StoreSchema;
  readonly documents: DocumentTable;
  readonly codec: VectorCodec;
  readonly state: StoreState;
  readonly counts: IndexCounts;
  readonly tokenVectors: TokenVectorIndex;
  readonly sparse: SparseStore | undefined;
  readonly sparseMode: SparseIndexMode;
  readonly exactTokens: ExactTokenStore | undefined;
}

/**
 * Cross-checks LMDB's databases against each other and what is derived from them: id mapping both ways, payload
 * sizes, the token-vector index (for distinct vectors: row labels against the rows' vector keys, owner lists, the
 * graph's labels and vectors, what opening found of its file), counts, step counts, document frequencies, BM25
 * postings present exactly for the documents with text (they are not recomputed from the text), sparse block
 * records against the term postings, and exact-match token lists against the documents' tokens. Reads every
 * stored vector once.
 */
export function verifyIndex(index: VerifiableIndex): VerifyReport {
  const problems: string[] = [];
  const note = (msg: string): void => {
    if (problems.length < 100) problems.push(msg);
  };
  const { schema, documents, codec, state } = index;
  const dim = documents.dim;
  const recount = { documents: 0, vectors: 0, vectorBytes: 0 };
  const stepCounts: number[] = [];
  const df = new Map<string, number>();
  const tokenVectors = index.tokenVectors.verifier(state);
  const sparse = index.sparse;
  let sparseDocuments = 0;
  const exact = index.exactTokens;
  const tokenOfId = exact?.dictionaryById();
  let exactBytes = 0;
  for (const { key: internalId, value } of schema.docs.getRange()) {
    const doc = `document ${internalId} ("${value.id}")`;
    recount.documents++;
    recount.vectors += value.vectorCount;
    if (sparse) {
      const has = sparse.hasDocument(internalId);
      if (has) sparseDocuments++;
      if (index.sparseMode === 'bm25' && has !== Boolean(value.title || value.text)) {
        note(`${doc} ${has ? 'has sparse postings but no text' : 'has text but no sparse postings'}`);
      }
    }
    if (internalId >= state.nextInternalId) note(`${doc} is beyond next internal id ${state.nextInternalId}`);
    if (schema.ids.get(value.id) !== internalId) note(`${doc} has no matching entry in the id map`);
    if (schema.vectorCounts.get(internalId) !== value.vectorCount) note(`${doc} has no matching vector count record`);
    if (documents.vectorCount(internalId) !== value.vectorCount) note(`${doc} is not tracked in memory`);
    const payload = schema.vectors.getBinary(internalId);
    const bytes = payload?.length ?? 0;
    recount.vectorBytes += bytes;
    if (value.vectorCount > 0 && !payload) note(`${doc} has no stored vectors`);
    else if (bytes !== codec.payloadBytes(value.vectorCount, dim)) note(`${doc} stores ${bytes} vector bytes, expected ${codec.payloadBytes(value.vectorCount, dim)}`);
    else {
      const rows = (): Float32Array => codec.decode(payload!, value.vectorCount, dim, documents.scratch(value.vectorCount));
      tokenVectors.document(internalId, doc, value.vectorCount, rows, note);
    }
    value.stepCounts?.forEach((c, i) => {
      stepCounts[i] = (stepCounts[i] ?? 0) + c;
    });
    for (const term of value.terms ?? []) df.set(term, (df.get(term) ?? 0) + 1);
    const exactTokens = exact?.documentTokens(internalId, tokenOfId!);
    if (exactTokens) {
      exactBytes += 4 * exactTokens.length;
      // Pooling and pruning only ever narrow the encoder's tokens, so the list is a subset of the document's terms.
      const terms = new Set(value.terms);
      const stray = exactTokens.find((token) => token !== undefined && !terms.has(token));
      if (exactTokens.includes(undefined)) note(`${doc}: an exact-match token id is not in the dictionary`);
      else if (stray !== undefined) note(`${doc}: exact-match token "${stray}" is not among its tokens`);
    }
  }
  const isDocument = (internalId: number): boolean => schema.docs.doesExist(internalId);
  if (exact) {
    for (const internalId of exact.documentIds()) if (!isDocument(internalId)) note(`exact-match tokens stored for missing document ${internalId}`);
    if ((state.exactTokenBytes ?? 0) !== exactBytes) {
      note(`bookkeeping says ${state.exactTokenBytes ?? 0} exact-match token bytes, the documents add up to ${exactBytes}`);
    }
  }
  for (const { key: id, value } of schema.ids.getRange()) {
    if (!isDocument(value)) note(`id "${id}" maps to missing document ${value}`);
  }
  for (const [name, db] of [
    ['vectors', schema.vectors],
    ['vector count', schema.vectorCounts],
  ] as const) {
    for (const internalId of db.getKeys()) if (!isDocument(internalId)) note(`${name} stored for missing document ${internalId}`);
  }
  const warnings: string[] = [];
  tokenVectors.finish(note, isDocument, (warning) => warnings.push(warning));
  const stored = index.counts;
  for (const name of ['documents', 'vectors', 'vectorBytes'] as const) {
    if (stored[name] !== recount[name]) note(`bookkeeping says ${stored[name]} ${name}, the documents add up to ${recount[name]}`);
  }
  for (let i = 0; i < Math.max(state.stepCounts.length, stepCounts.length); i++) {
    if ((state.stepCounts[i] ?? 0) !== (stepCounts[i] ?? 0)) note(`step count ${i}: bookkeeping ${state.stepCounts[i] ?? 0}, documents ${stepCounts[i] ?? 0}`);
  }
  let terms = 0;
  for (const { key: term, value } of schema.df.getRange()) {
    terms++;
    if (df.get(term) !== value) note(`term "${term}": stored document frequency ${value}, documents say ${df.get(term) ?? 0}`);
  }
  if (terms !== df.size) note(`${df.size - terms} terms of stored documents have no document frequency`);
  if (sparse) {
    const stats = sparse.stats();
    if (stats.documents !== sparseDocuments) {
      note(`sparse store counts ${stats.documents} documents, ${sparseDocuments} live documents have postings`);
    }
    if (stats.idLimit > state.nextInternalId) note(`sparse store holds internal ids beyond next internal id ${state.nextInternalId}`);
    for (const problem of sparse.checkBlockRecords()) note(problem);
  }
  return { ok: problems.length === 0, problems, warnings, documents: recount.documents, vectors: recount.vectors, terms: df.size };
}
