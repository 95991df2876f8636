import type { StoreState } from '../../store/store-records.js';
import type { TokenVectorVerifier } from '../token-vector-index.js';
import type { DistinctVectorTable } from './distinct-vector-table.js';
import { decodeLabelOwners, labelOwnersInclude, labelOwnersKey } from './label-owners.js';
import type { GraphSync } from './graph-sync.js';
import { HNSW_FILE, HNSW_SIDECAR_FILE, type TokenGraph } from './token-graph.js';
import { VECTOR_KEY_BYTES, vectorKey } from './vector-key.js';

/**
 * Cross-checks the distinct-vector table against the documents' rows and the graph: each row's vector key maps to
 * the label the row records, each label's owner list holds exactly the documents whose rows use it, keys and owner
 * lists match one to one, the bookkeeping counts the live labels, and the graph (when loaded) holds them, each
 * with exactly the vector its rows store. Says what opening found of `hnsw.bin` when it could not use it as saved.
 */
export class DistinctVectorVerifier implements TokenVectorVerifier {
  /** label -> documents whose rows hold it (each of them was found in the label's owner list). */
  private readonly ownerRefs = new Map<number, number>();
  /** Labels whose graph vector was compared with a row already. */
  private readonly vectorChecked: Uint8Array;
  private readonly key = new Uint8Array(VECTOR_KEY_BYTES);
  private readonly keyView = Buffer.from(this.key.buffer);
  /** Absent when the index was opened without its graph: the graph checks are skipped. */
  private readonly graph: TokenGraph | undefined;

  constructor(
    private readonly table: DistinctVectorTable,
    private readonly dim: number,
    private readonly state: StoreState,
    private readonly sync: GraphSync | undefined,
  ) {
    this.graph = sync?.graph;
    this.vectorChecked = new Uint8Array(this.graph ? state.nextLabel : 0);
  }

  document(internalId: number, name: string, count: number, rows: () => Float32Array, note: (problem: string) => void): void {
    const labels = this.table.readRowLabels(internalId);
    if (!labels || labels.length !== count) {
      note(`${name} has ${labels?.length ?? 'no'} row labels for ${count} vectors`);
      return;
    }
    if (count === 0) return;
    const decoded = rows();
    const words = new Uint32Array(decoded.buffer, decoded.byteOffset, count * this.dim);
    for (let r = 0; r < count; r++) {
      vectorKey(words, r * this.dim, this.dim, this.key);
      const label = this.table.vectorLabels.get(this.keyView);
      if (label !== labels[r]) note(`${name} row ${r}: its vector key maps to label ${String(label)}, the row says ${labels[r]}`);
      this.checkGraphVector(labels[r]!, decoded, r, name, note);
    }
    for (const label of new Set(labels)) {
      if (label >= this.state.nextLabel) note(`${name} uses label ${label} beyond next label ${this.state.nextLabel}`);
      this.ownerRefs.set(label, (this.ownerRefs.get(label) ?? 0) + 1);
      const owners = this.table.labelOwners.getBinaryFast(label);
      if (!owners || !labelOwnersInclude(owners, internalId)) note(`${name} is missing from the owner list of label ${label}`);
    }
  }

  /** The graph holds exactly the decoded row as the vector of its label (what a rebuild would add). */
  private checkGraphVector(label: number, decoded: Float32Array, row: number, name: string, note: (problem: string) => void): void {
    if (!this.graph || label >= this.vectorChecked.length || this.vectorChecked[label] === 1) return;
    this.vectorChecked[label] = 1;
    const held = this.graph.vector(label);
    if (!held) return; // reported by finish
    const off = row * this.dim;
    for (let j = 0; j < this.dim; j++) {
      if (held[j] !== decoded[off + j]) {
        note(`label ${label}: the HNSW graph holds another vector than ${name} row ${row} stores (value ${j}: ${held[j]} against ${decoded[off + j]})`);
        return;
      }
    }
  }

  finish(note: (problem: string) => void, isDocument: (internalId: number) => boolean, warn: (warning: string) => void): void {
    this.checkGraphFile(note, warn);
    for (const internalId of this.table.rowLabels.getKeys()) if (!isDocument(internalId)) note(`row labels stored for missing document ${internalId}`);
    let liveLabels = 0;
    for (const { key: label, value } of this.table.labelOwners.getRange()) {
      liveLabels++;
      const owners = decodeLabelOwners(value);
      for (let i = 1; i < owners.length; i++) if (owners[i - 1]! >= owners[i]!) note(`label ${label}: owner list is not strictly ascending`);
      const refs = this.ownerRefs.get(label) ?? 0;
      if (owners.length !== refs) note(`label ${label} lists ${owners.length} owners, ${refs} documents hold it`);
      if (this.table.vectorLabels.get(labelOwnersKey(value)) !== label) note(`label ${label}: its vector key does not map back to it`);
      if (this.graph && !this.graph.has(label)) note(`label ${label} is not in the HNSW graph`);
    }
    let keys = 0;
    for (const { value: label } of this.table.vectorLabels.getRange()) {
      keys++;
      if (!this.table.labelOwners.doesExist(label)) note(`a vector key maps to label ${label}, which has no owners`);
    }
    if (keys !== liveLabels) note(`${keys} vector keys for ${liveLabels} live labels`);
    if (liveLabels !== this.state.labels) note(`bookkeeping says ${this.state.labels} distinct vectors, ${liveLabels} labels have owners`);
    if (this.graph && (this.graph.size !== liveLabels || !this.graph.isConsistent())) {
      note(`HNSW graph holds ${this.graph.size} live vectors, LMDB ${liveLabels} distinct vectors`);
    }
  }

  /** What opening found of hnsw.bin: nothing to say when it was used as saved. */
  private checkGraphFile(note: (problem: string) => void, warn: (warning: string) => void): void {
    const attached = this.sync?.attached;
    if (!attached) return;
    if (attached.origin === 'caught-up') {
      const behind = this.state.sequence - attached.fileSequence!;
      warn(
        `${HNSW_FILE} reflects LMDB sequence ${attached.fileSequence}, ${behind} commit${behind === 1 ? '' : 's'} behind: every open catches it ` +
          'up from the log until a writer saves the graph (the last writer stopped without saving it)',
      );
    }
    const problem = attached.problem;
    if (!problem) return;
    const repair = 'the next open rebuilds the graph from LMDB and saves it';
    if (problem.failure === 'invalid') note(`${HNSW_FILE} matches ${HNSW_SIDECAR_FILE} but is not a sound graph of this index (${problem.detail}): it was written damaged or sealed by something else; ${repair}`);
    else warn(`${HNSW_FILE} cannot be used (${problem.failure}: ${problem.detail}); ${repair}`);
  }
}
