import type { Database, RootDatabase } from 'lmdb';
import { IndexFormatError, LateIndexError } from '../../../shared/index.js';
import type { StoreState } from '../../store/store-records.js';
import { decodeLabelOwners, encodeLabelOwners, labelOwnersKey } from './label-owners.js';
import { MAX_LABEL } from './token-graph.js';
import { VECTOR_KEY_BYTES, vectorKey } from './vector-key.js';

/** A batch's owner changes of one label, applied once at the end of the transaction. */
interface OwnerEdit {
  readonly add: number[];
  readonly drop: number[];
  /** Set for labels created in this batch (no stored owner list yet). */
  key?: Buffer;
}

/** A label first stored by a batch, with the decoded row the graph adds after commit. */
export interface CreatedLabel {
  readonly label: number;
  readonly rows: Float32Array;
  readonly row: number;
}

/**
 * The distinct stored vectors of an index, in LMDB:
 * - `rowLabels`: internal id -> `Uint32Array` of per-row labels (4 bytes per stored row);
 * - `vectorLabels`: 16-byte vector key (vector-key.ts) -> label of a live distinct vector;
 * - `labelOwners`: label -> vector key and owner internal ids (label-owners.ts);
 * - `retired`: sequence -> labels that transaction retired (the graph's catch-up log).
 * Rows holding equal quantized vectors share a label; a label lives while some document owns it. Labels come from
 * the bookkeeping's `nextLabel` and are never reused (hnswlib labels are 32-bit).
 */
export class DistinctVectorTable {
  readonly rowLabels: Database<Uint8Array, number>;
  readonly vectorLabels: Database<number, Buffer>;
  readonly labelOwners: Database<Uint8Array, number>;
  readonly retired: Database<number[], number>;

  constructor(
    env: RootDatabase,
    /** The store file, for error messages. */
    private readonly file: string,
    private readonly dim: number,
  ) {
    this.rowLabels = env.openDB<Uint8Array, number>({ name: 'rowLabels', keyEncoding: 'uint32', encoding: 'binary' });
    this.vectorLabels = env.openDB<number, Buffer>({ name: 'vectorLabels', keyEncoding: 'binary' });
    this.labelOwners = env.openDB<Uint8Array, number>({ name: 'labelOwners', keyEncoding: 'uint32', encoding: 'binary' });
    this.retired = env.openDB<number[], number>({ name: 'retired', keyEncoding: 'uint32' });
  }

  /** The stored per-row labels of a document (a copy, aligned), or undefined. */
  readRowLabels(internalId: number): Uint32Array | undefined {
    const bytes = this.rowLabels.getBinary(internalId);
    if (bytes === undefined) return undefined;
    const out = new Uint32Array(bytes.length >>> 2);
    new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
    return out;
  }

  /** Internal ids of the documents holding the vector of `label`, ascending; undefined for a dead label. */
  owners(label: number): Uint32Array | undefined {
    const value = this.labelOwners.getBinaryFast(label);
    return value === undefined ? undefined : decodeLabelOwners(value);
  }

  /** Inside a write transaction: a batch of owner edits on top of the bookkeeping `next`. */
  edit(next: StoreState): OwnerEdits {
    return new OwnerEdits(this, next, this.file, this.dim);
  }
}

/**
 * One batch's changes to the distinct-vector table: documents' rows are labelled as they come (new vectors get
 * new labels at once, so a vector shared inside the batch gets one), and each touched label's owner list is
 * rewritten once by `apply`.
 */
export class OwnerEdits {
  private readonly edits = new Map<number, OwnerEdit>();
  private readonly batchKeys = new Map<string, number>();
  /** Labels first stored by this batch, in creation order. */
  readonly created: CreatedLabel[] = [];

  constructor(
    private readonly table: DistinctVectorTable,
    private readonly next: StoreState,
    private readonly file: string,
    private readonly dim: number,
  ) {}

  /** Labels the rows of `internalId` (keying each row), records the document as their owner and stores its row labels. */
  addDocument(internalId: number, rows: Float32Array, count: number): void {
    const dim = this.dim;
    const words = new Uint32Array(rows.buffer, rows.byteOffset, count * dim);
    const key = new Uint8Array(VECTOR_KEY_BYTES);
    const keyView = Buffer.from(key.buffer, key.byteOffset, VECTOR_KEY_BYTES);
    const labels = new Uint32Array(count);
    for (let r = 0; r < count; r++) {
      vectorKey(words, r * dim, dim, key);
      const batchKey = keyView.toString('latin1');
      let label = this.batchKeys.get(batchKey) ?? this.table.vectorLabels.get(keyView);
      if (label === undefined) {
        label = this.next.nextLabel;
        if (label > MAX_LABEL) {
          throw new LateIndexError('label_space_exhausted', `${this.file}: the index has used all 2^32 HNSW labels; rebuild it into a new index`);
        }
        this.next.nextLabel++;
        const stored = Buffer.from(key);
        this.table.vectorLabels.putSync(stored, label);
        this.batchKeys.set(batchKey, label);
        this.editOf(label).key = stored;
        this.created.push({ label, rows, row: r });
      }
      labels[r] = label;
    }
    for (const label of new Set(labels)) this.editOf(label).add.push(internalId);
    this.table.rowLabels.putSync(internalId, new Uint8Array(labels.buffer));
  }

  /** Schedules removal of `internalId` from the owner lists of its stored labels and drops its row labels. */
  removeDocument(internalId: number): void {
    const labels = this.table.readRowLabels(internalId);
    if (labels === undefined) return;
    for (const label of new Set(labels)) this.editOf(label).drop.push(internalId);
    this.table.rowLabels.removeSync(internalId);
  }

  /**
   * Rewrites each edited label's owner list once. A label left without owners is retired (its owner list and
   * vector key removed); returns the retired labels.
   */
  apply(): number[] {
    const retired: number[] = [];
    const { labelOwners, vectorLabels } = this.table;
    for (const [label, edit] of this.edits) {
      let owners: number[];
      let key: Buffer;
      if (edit.key !== undefined) {
        owners = [];
        key = edit.key;
      } else {
        const stored = labelOwners.getBinary(label);
        if (stored === undefined) throw new IndexFormatError('corrupt_store', `${this.file}: label ${label} has no owner list`);
        owners = Array.from(decodeLabelOwners(stored));
        key = labelOwnersKey(stored);
      }
      if (edit.drop.length > 0) {
        const drop = new Set(edit.drop);
        owners = owners.filter((o) => !drop.has(o));
      }
      if (edit.add.length > 0) {
        const present = new Set(owners);
        for (const o of edit.add) if (!present.has(o)) owners.push(o);
        owners.sort((a, b) => a - b);
      }
      if (owners.length > 0) {
        labelOwners.putSync(label, encodeLabelOwners(key, owners, owners.length));
        if (edit.key !== undefined) this.next.labels++;
      } else if (edit.key === undefined) {
        labelOwners.removeSync(label);
        vectorLabels.removeSync(key);
        this.next.labels--;
        retired.push(label);
      }
    }
    return retired;
  }

  private editOf(label: number): OwnerEdit {
    let edit = this.edits.get(label);
    if (edit === undefined) this.edits.set(label, (edit = { add: [], drop: [] }));
    return edit;
  }
}
