import { IndexFormatError } from '../../../shared/index.js';
import type { DocumentTable } from '../../store/document-table.js';
import type { StoreState } from '../../store/store-records.js';
import type { HnswParams } from '../../types.js';
import type { CreatedLabel, DistinctVectorTable } from './distinct-vector-table.js';
import { TokenGraph, type GraphLoadFailure, type GraphLoadProblem } from './token-graph.js';

/** How the in-memory HNSW graph was obtained at open. */
export type GraphOrigin = 'created' | 'loaded' | 'caught-up' | `rebuilt:${GraphLoadFailure}`;

/** What opening found of the saved graph (for `verify`). */
export interface GraphAttachment {
  readonly origin: GraphOrigin;
  /** The LMDB sequence the file reflected, when it was used. */
  readonly fileSequence?: number;
  /** Why the file was not used, when the graph was rebuilt. */
  readonly problem?: GraphLoadProblem;
}

/**
 * Keeps the in-memory HNSW graph (`TokenGraph`, saved as `hnsw.bin`) in step with the distinct-vector table in
 * LMDB, which is the truth: loads the saved graph when it matches, catches it up from the `retired` log when it is
 * merely older, rebuilds it from the stored vectors otherwise; follows this process's commits; catches up with
 * other processes' commits; saves it and prunes the log it no longer needs.
 */
export class GraphSync {
  graph: TokenGraph;
  /** What `attach` found on disk: the sequence of the file it used, or why it used none. */
  attached: GraphAttachment = { origin: 'created' };
  /** LMDB sequence that `hnsw.bin` on disk reflects (-1: none). */
  private savedSequence = -1;

  constructor(
    private readonly dir: string,
    private readonly dim: number,
    private readonly params: HnswParams,
    private readonly table: DistinctVectorTable,
    private readonly documents: DocumentTable,
    private readonly file: string,
  ) {
    this.graph = TokenGraph.empty(dim, params, 0);
  }

  /**
   * Loads hnsw.bin when it matches LMDB; catches it up when it is older but the retired-label log still covers the
   * gap; otherwise (missing, corrupt, too old, not a sound graph, not LMDB's labels) rebuilds the graph from every
   * live document. Whatever the file holds, this never fails on its account. True when it rebuilt the graph.
   */
  async attach(state: StoreState): Promise<boolean> {
    let problem: GraphLoadProblem;
    try {
      const loaded = TokenGraph.load(this.dir, this.dim, this.params, state.retiredLogFrom ?? 0, state);
      if (!('failure' in loaded) && this.caughtUp(loaded.graph, loaded.sequence, loaded.nextLabel, state)) {
        this.graph = loaded.graph;
        this.attached = { origin: loaded.sequence === state.sequence ? 'loaded' : 'caught-up', fileSequence: loaded.sequence };
        this.savedSequence = loaded.sequence;
        return false;
      }
      problem = 'failure' in loaded ? loaded : { failure: 'invalid', detail: "the distinct vectors it holds are not LMDB's" };
    } catch (err) {
      problem = { failure: 'invalid', detail: `it cannot be loaded (${(err as Error).message})` };
    }
    this.graph = this.build(state);
    this.attached = { origin: `rebuilt:${problem.failure}`, problem };
    this.savedSequence = -1;
    return true;
  }

  /** After this process's commit: tombstones the retired labels and adds the created ones (their decoded rows). */
  follow(retired: readonly number[], created: readonly CreatedLabel[], state: StoreState): void {
    this.guarded(state, () => {
      for (const label of retired) this.graph.remove(label);
      // The graph holds the decoded (quantized) vectors, exactly what a rebuild from LMDB would add.
      for (const { label, rows, row } of created) this.graph.add(label, rows, row);
    });
  }

  /** Follows other processes' commits from `from` to `target`, or rebuilds when the log no longer covers the gap. */
  catchUp(from: StoreState, target: StoreState): void {
    if ((target.retiredLogFrom ?? 0) > from.sequence) {
      this.rebuild(target);
      return;
    }
    this.guarded(target, () => {
      for (const { value } of this.table.retired.getRange({ start: from.sequence + 1, end: target.sequence + 1 })) {
        for (const label of value) this.graph.remove(label);
      }
      for (const label of this.table.labelOwners.getKeys({ start: from.nextLabel })) {
        if (!this.graph.has(label)) this.addLabelFromStore(this.graph, label);
      }
      if (this.graph.size !== target.labels || !this.graph.isConsistent()) throw new Error('graph does not match LMDB');
    });
  }

  /** Rebuilds the graph from LMDB, dropping tombstones. */
  rebuild(state: StoreState): void {
    this.graph = this.build(state);
    this.savedSequence = -1;
  }

  /** Saves hnsw.bin (when it changed since the last save); true when it wrote. */
  async save(state: StoreState): Promise<boolean> {
    if (this.savedSequence === state.sequence) return false;
    await this.graph.save(this.dir, state.sequence, state.nextLabel);
    this.savedSequence = state.sequence;
    return true;
  }

  /**
   * Applies an already committed LMDB change to the graph. Should hnswlib fail half-way, the graph is rebuilt from
   * LMDB (the write itself succeeded); only a failing rebuild propagates.
   */
  private guarded(state: StoreState, apply: () => void): void {
    try {
      apply();
    } catch {
      this.rebuild(state);
    }
  }

  private build(state: StoreState): TokenGraph {
    const graph = TokenGraph.empty(this.dim, this.params, state.labels * 1.1);
    for (const internalId of this.documents.liveInternalIds(state)) {
      const labels = this.table.readRowLabels(internalId);
      if (!labels || !labels.some((label) => !graph.has(label))) continue;
      const vectors = this.documents.readVectors(internalId, this.documents.scratch(labels.length));
      if (!vectors) continue;
      for (let r = 0; r < labels.length; r++) if (!graph.has(labels[r]!)) graph.add(labels[r]!, vectors.data, r);
    }
    return graph;
  }

  /** Adds a live label to `graph`, reading its vector from the first owner's stored rows. */
  private addLabelFromStore(graph: TokenGraph, label: number): void {
    const owner = this.table.owners(label)?.[0];
    const labels = owner === undefined ? undefined : this.table.readRowLabels(owner);
    const row = labels ? labels.indexOf(label) : -1;
    const vectors = row < 0 ? undefined : this.documents.readVectors(owner!, this.documents.scratch(labels!.length));
    if (!vectors) throw new IndexFormatError('corrupt_store', `${this.file}: label ${label} has no stored vector`);
    graph.add(label, vectors.data, row);
  }

  /**
   * Brings a graph saved at `sequence` (holding labels below `nextLabel`) up to LMDB's `state`: it must hold live
   * exactly the labels below `nextLabel` that LMDB holds or retired since; those retired since are tombstoned, those
   * created since are added. False when the graph does not match LMDB.
   */
  private caughtUp(graph: TokenGraph, sequence: number, nextLabel: number, state: StoreState): boolean {
    try {
      const added: number[] = [];
      let expected = 0;
      for (const label of this.table.labelOwners.getKeys()) {
        if (label >= nextLabel) added.push(label);
        else if (!graph.has(label)) return false;
        else expected++;
      }
      const retired: number[] = [];
      if (sequence < state.sequence) {
        for (const { value } of this.table.retired.getRange({ start: sequence + 1, end: state.sequence + 1 })) {
          for (const label of value) if (label < nextLabel) retired.push(label);
        }
      }
      if (retired.some((label) => !graph.has(label)) || graph.size !== expected + retired.length || !graph.isConsistent()) return false;
      for (const label of retired) graph.remove(label);
      for (const label of added) this.addLabelFromStore(graph, label);
      return graph.size === state.labels && graph.isConsistent();
    } catch {
      return false;
    }
  }
}
