import type { Database } from 'lmdb';
import type { VectorCodec } from './codecs/vector-codec.js';
import { decodeLabelOwners, labelOwnersInclude, labelOwnersKey } from './label-owners.js';
import type { ExactTokenStore } from './exact-token-store.js';
import type { SparseStore } from './sparse/sparse-store.js';
import type { DocRecord, StoreState } from './store-records.js';
import type { TokenGraph } from './token-graph.js';
import type { IndexCounts, SparseIndexMode } from './types.js';
import { VECTOR_KEY_BYTES, vectorKey } from './vector-key.js';

/** Result of `LateIndex.verify()`: `problems` lists each inconsistency found (at most 100). */
export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly documents: number;
  readonly vectors: number;
  readonly terms: number;
}

/** What `verifyIndex` reads: the index's LMDB databases, its bookkeeping and its in-memory graph. */
export interface VerifiableIndex {
  readonly dim: number;
  readonly codec: VectorCodec;
  readonly state: StoreState;
  readonly counts: IndexCounts;
  readonly docs: Database<DocRecord, number>;
  readonly ids: Database<number, string>;
  readonly vectors: Database<Uint8Array, number>;
  readonly vectorCountDb: Database<number, number>;
  readonly vectorCounts: Int32Array;
  readonly rowLabelDb: Database<Uint8Array, number>;
  readonly vectorLabelDb: Database<number, Buffer>;
  readonly labelOwnerDb: Database<Uint8Array, number>;
  readonly df: Database<number, string>;
  /** Absent when the index was opened without its graph: the graph checks are skipped. */
  readonly graph: TokenGraph | undefined;
  readonly sparse: SparseStore | undefined;
  readonly sparseMode: SparseIndexMode;
  readonly exactTokens: ExactTokenStore | undefined;
  readRowLabels(internalId: number): Uint32Array | undefined;
  /** A reusable buffer of at least `count` rows. */
  scratch(count: number): Float32Array;
}

/**
 * Cross-checks LMDB's databases against each other and the in-memory HNSW graph: id mapping both ways, payload
 * sizes, row labels against the rows' vector keys, owner lists, counts, step counts, document frequencies,
 * sparse postings recomputed from the documents, sparse block records against the term postings, and exact-match
 * token lists against the documents' tokens. Reads every stored vector once.
 */
export function verifyIndex(index: VerifiableIndex): VerifyReport {
  const problems: string[] = [];
  const note = (msg: string): void => {
    if (problems.length < 100) problems.push(msg);
  };
  const bytesPerVector = index.codec.bytesPerVector(index.dim);
  const recount = { documents: 0, vectors: 0, vectorBytes: 0 };
  const stepCounts: number[] = [];
  const df = new Map<string, number>();
  /** label -> documents whose rows hold it (each of them was found in the label's owner list). */
  const ownerRefs = new Map<number, number>();
  const sparse = index.sparse;
  const sparseMode = index.sparseMode;
  let sparseDocuments = 0;
  const exact = index.exactTokens;
  const tokenOfId = exact?.dictionaryById();
  let exactBytes = 0;
  const key = new Uint8Array(VECTOR_KEY_BYTES);
  const keyView = Buffer.from(key.buffer);
  for (const { key: internalId, value } of index.docs.getRange()) {
    const doc = `document ${internalId} ("${value.id}")`;
    recount.documents++;
    recount.vectors += value.vectorCount;
    if (sparse) {
      const has = sparse.hasDocument(internalId);
      if (has) sparseDocuments++;
      if (sparseMode === 'bm25' && has !== Boolean(value.title || value.text)) {
        note(`${doc} ${has ? 'has sparse postings but no text' : 'has text but no sparse postings'}`);
      }
    }
    if (internalId >= index.state.nextInternalId) note(`${doc} is beyond next internal id ${index.state.nextInternalId}`);
    if (index.ids.get(value.id) !== internalId) note(`${doc} has no matching entry in the id map`);
    if (index.vectorCountDb.get(internalId) !== value.vectorCount) note(`${doc} has no matching vector count record`);
    if (index.vectorCounts[internalId] !== value.vectorCount) note(`${doc} is not tracked in memory`);
    const payload = index.vectors.getBinary(internalId);
    const bytes = payload?.length ?? 0;
    recount.vectorBytes += bytes;
    const labels = index.readRowLabels(internalId);
    if (value.vectorCount > 0 && !payload) note(`${doc} has no stored vectors`);
    else if (bytes !== value.vectorCount * bytesPerVector) {
      note(`${doc} stores ${bytes} vector bytes, expected ${value.vectorCount * bytesPerVector}`);
    } else if (!labels || labels.length !== value.vectorCount) {
      note(`${doc} has ${labels?.length ?? 'no'} row labels for ${value.vectorCount} vectors`);
    } else if (value.vectorCount > 0) {
      const rows = index.codec.decode(payload!, value.vectorCount, index.dim, index.scratch(value.vectorCount));
      const words = new Uint32Array(rows.buffer, rows.byteOffset, value.vectorCount * index.dim);
      for (let r = 0; r < value.vectorCount; r++) {
        vectorKey(words, r * index.dim, index.dim, key);
        const label = index.vectorLabelDb.get(keyView);
        if (label !== labels[r]) note(`${doc} row ${r}: its vector key maps to label ${String(label)}, the row says ${labels[r]}`);
      }
      for (const label of new Set(labels)) {
        if (label >= index.state.nextLabel) note(`${doc} uses label ${label} beyond next label ${index.state.nextLabel}`);
        ownerRefs.set(label, (ownerRefs.get(label) ?? 0) + 1);
        const owners = index.labelOwnerDb.getBinaryFast(label);
        if (!owners || !labelOwnersInclude(owners, internalId)) note(`${doc} is missing from the owner list of label ${label}`);
      }
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
  if (exact) {
    for (const internalId of exact.documentIds()) if (!index.docs.doesExist(internalId)) note(`exact-match tokens stored for missing document ${internalId}`);
    if ((index.state.exactTokenBytes ?? 0) !== exactBytes) {
      note(`bookkeeping says ${index.state.exactTokenBytes ?? 0} exact-match token bytes, the documents add up to ${exactBytes}`);
    }
  }
  for (const { key: id, value } of index.ids.getRange()) {
    if (!index.docs.doesExist(value)) note(`id "${id}" maps to missing document ${value}`);
  }
  for (const [name, db] of [
    ['vectors', index.vectors],
    ['vector count', index.vectorCountDb],
    ['row labels', index.rowLabelDb],
  ] as const) {
    for (const internalId of db.getKeys()) if (!index.docs.doesExist(internalId)) note(`${name} stored for missing document ${internalId}`);
  }
  let liveLabels = 0;
  for (const { key: label, value } of index.labelOwnerDb.getRange()) {
    liveLabels++;
    const owners = decodeLabelOwners(value);
    for (let i = 1; i < owners.length; i++) if (owners[i - 1]! >= owners[i]!) note(`label ${label}: owner list is not strictly ascending`);
    if (owners.length !== (ownerRefs.get(label) ?? 0)) note(`label ${label} lists ${owners.length} owners, ${ownerRefs.get(label) ?? 0} documents hold it`);
    if (index.vectorLabelDb.get(labelOwnersKey(value)) !== label) note(`label ${label}: its vector key does not map back to it`);
    if (index.graph && !index.graph.has(label)) note(`label ${label} is not in the HNSW graph`);
  }
  let keys = 0;
  for (const { value: label } of index.vectorLabelDb.getRange()) {
    keys++;
    if (!index.labelOwnerDb.doesExist(label)) note(`a vector key maps to label ${label}, which has no owners`);
  }
  if (keys !== liveLabels) note(`${keys} vector keys for ${liveLabels} live labels`);
  if (liveLabels !== index.state.labels) note(`bookkeeping says ${index.state.labels} distinct vectors, ${liveLabels} labels have owners`);
  const stored = index.counts;
  for (const name of ['documents', 'vectors', 'vectorBytes'] as const) {
    if (stored[name] !== recount[name]) note(`bookkeeping says ${stored[name]} ${name}, the documents add up to ${recount[name]}`);
  }
  const storedSteps = index.state.stepCounts;
  for (let i = 0; i < Math.max(storedSteps.length, stepCounts.length); i++) {
    if ((storedSteps[i] ?? 0) !== (stepCounts[i] ?? 0)) note(`step count ${i}: bookkeeping ${storedSteps[i] ?? 0}, documents ${stepCounts[i] ?? 0}`);
  }
  let terms = 0;
  for (const { key: term, value } of index.df.getRange()) {
    terms++;
    if (df.get(term) !== value) note(`term "${term}": stored document frequency ${value}, documents say ${df.get(term) ?? 0}`);
  }
  if (terms !== df.size) note(`${df.size - terms} terms of stored documents have no document frequency`);
  if (sparse) {
    const stats = sparse.stats();
    if (stats.documents !== sparseDocuments) {
      note(`sparse store counts ${stats.documents} documents, ${sparseDocuments} live documents have postings`);
    }
    if (stats.idLimit > index.state.nextInternalId) note(`sparse store holds internal ids beyond next internal id ${index.state.nextInternalId}`);
    for (const problem of sparse.checkBlockRecords()) note(problem);
  }
  if (index.graph && (index.graph.size !== liveLabels || !index.graph.isConsistent())) {
    note(`HNSW graph holds ${index.graph.size} live vectors, LMDB ${liveLabels} distinct vectors`);
  }
  return { ok: problems.length === 0, problems, documents: recount.documents, vectors: recount.vectors, terms: df.size };
}
