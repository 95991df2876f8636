import type { TokenVectorInspection } from './token-vectors/token-vector-index.js';

/** What `stats` and the REST index info report of an index's token-vector layout. */
export interface TokenVectorStats {
  readonly layout: TokenVectorInspection['kind'];
  /** Distinct stored vectors in the HNSW graph (distinct-vector layout). */
  readonly distinctVectors?: number;
  /** The PLAID layout's codebook and inverted file. */
  readonly centroids?: {
    readonly centroids: number;
    readonly cells: number;
    /** Non-empty inverted lists, their postings (document, centroid pairs), the longest list and the LMDB bytes. */
    readonly lists: number;
    readonly postings: number;
    readonly largestList: number;
    readonly listBytes: number;
  };
}

/** Reads every inverted list once for the PLAID layout (sizes only); constant time for the distinct layout. */
export function tokenVectorStats(inspection: TokenVectorInspection): TokenVectorStats {
  if (inspection.kind === 'distinct-vectors') return { layout: inspection.kind, distinctVectors: inspection.distinctVectors };
  const lists = inspection.listStats();
  return {
    layout: inspection.kind,
    centroids: {
      centroids: inspection.centroids,
      cells: inspection.cells,
      lists: lists.lists,
      postings: lists.postings,
      largestList: lists.largest,
      listBytes: lists.bytes,
    },
  };
}

/** One line for `stats`: what the layout holds. */
export function describeTokenVectors(stats: TokenVectorStats): string {
  if (stats.centroids === undefined) return `${stats.distinctVectors ?? 0} distinct in the HNSW graph`;
  const c = stats.centroids;
  return `PLAID codebook of ${c.centroids} centroids in ${c.cells} cells; ${c.lists} inverted lists, ${c.postings} postings, longest ${c.largestList}`;
}
