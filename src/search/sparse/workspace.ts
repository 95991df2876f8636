import type { SparseStore } from '../../index/sparse/index.js';

/** Reusable per-store scratch arrays, grown on demand, all-zero between queries. */
export interface SparseWorkspace {
  /** Per block: upper bound (BMP) — zeroed after use. */
  blockBounds: Float64Array;
  /** Blocks with a positive bound, then the max-heap over them. */
  blockHeap: Uint32Array;
  /** Per document accumulators (TAAT) — zeroed after use. */
  documentScores: Float64Array;
  /** Internal ids touched by TAAT. */
  touched: Uint32Array;
  /** One block's accumulators (BMP) — zeroed after use. */
  blockScores: Float64Array;
}

const workspaces = new WeakMap<SparseStore, SparseWorkspace>();

export function workspaceFor(store: SparseStore, blocks: number, documents: number, blockSize: number): SparseWorkspace {
  let ws = workspaces.get(store);
  if (ws === undefined) {
    ws = {
      blockBounds: new Float64Array(0),
      blockHeap: new Uint32Array(0),
      documentScores: new Float64Array(0),
      touched: new Uint32Array(0),
      blockScores: new Float64Array(0),
    };
    workspaces.set(store, ws);
  }
  if (ws.blockBounds.length < blocks) {
    ws.blockBounds = new Float64Array(grow(blocks));
    ws.blockHeap = new Uint32Array(ws.blockBounds.length);
  }
  if (ws.documentScores.length < documents) {
    ws.documentScores = new Float64Array(grow(documents));
    ws.touched = new Uint32Array(ws.documentScores.length);
  }
  if (ws.blockScores.length < blockSize) ws.blockScores = new Float64Array(blockSize);
  return ws;
}

function grow(n: number): number {
  return Math.max(16, Math.ceil(n * 1.25));
}
