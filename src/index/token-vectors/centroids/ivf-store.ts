import type { Database, RootDatabase } from 'lmdb';
import { decodePostingChunk, encodePostingChunk } from './posting-chunk.js';

/** Ids per chunk at most: an update rewrites at most this many (about 1.5 KB of varints). */
export const IVF_CHUNK_IDS = 1024;
const KEY_BYTES = 8;

/**
 * The inverted file: for each centroid, the internal ids of the live documents holding it (each once), ascending,
 * as varint chunks in LMDB (database `ivf`, key = centroid u32 BE + chunk key u32 BE). Invariant: the chunks of a
 * centroid have keys k_1 < k_2 < ..., and every id of chunk m satisfies k_m <= id < k_(m+1), so the chunks read in
 * key order are the list. Appends (new internal ids are the largest) rewrite the last chunk only; a chunk past
 * IVF_CHUNK_IDS splits. Every change runs inside the caller's write transaction.
 */
export class IvfStore {
  private readonly db: Database<Uint8Array, Buffer>;
  private scratch: Uint32Array = new Uint32Array(4096);

  /**
   * `name` is the LMDB database (an index alternates two when it repacks); `chunkIds` below IVF_CHUNK_IDS only for
   * tests that exercise splits on small lists.
   */
  constructor(
    env: RootDatabase,
    readonly name = 'ivf',
    private readonly chunkIds = IVF_CHUNK_IDS,
  ) {
    this.db = env.openDB<Uint8Array, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
  }

  /**
   * Inside a write transaction: writes this store's chunks into the empty `target` in key order with LMDB's append
   * flag, so its pages are filled (random updates leave B-tree pages about half full), then empties this store.
   * Streams: memory does not grow with the lists.
   */
  moveTo(target: IvfStore): void {
    for (const { key, value } of this.db.getRange()) target.db.putSync(key, value, { append: true });
    this.db.clearSync();
  }

  /** Inside a write transaction: adds `internalId` to the lists of `centroids` (any order, repeats ignored). */
  addDocument(internalId: number, centroids: Iterable<number>): void {
    for (const c of new Set(centroids)) this.insertMany(c, [internalId]);
  }

  /** Inside a write transaction: removes `internalId` from the lists of `centroids` (it must be in each). */
  removeDocument(internalId: number, centroids: Iterable<number>): void {
    for (const c of new Set(centroids)) this.remove(c, internalId);
  }

  /**
   * Inside a write transaction: adds many documents at once, grouped by centroid so each touched list is
   * rewritten once per call.
   */
  addDocuments(documents: readonly { readonly internalId: number; readonly centroids: ArrayLike<number> }[]): void {
    const byCentroid = new Map<number, number[]>();
    for (const { internalId, centroids } of documents) {
      for (let j = 0; j < centroids.length; j++) {
        const c = centroids[j]!;
        let ids = byCentroid.get(c);
        if (ids === undefined) byCentroid.set(c, (ids = []));
        if (ids[ids.length - 1] !== internalId) ids.push(internalId);
      }
    }
    for (const [c, ids] of byCentroid) {
      ids.sort((a, b) => a - b);
      this.insertMany(c, dedupeSorted(ids));
    }
  }

  /** Visits centroid `c`'s list chunk by chunk (ids in a buffer reused by the next call). */
  forEachPosting(c: number, visit: (ids: Uint32Array, count: number) => void): void {
    for (const { value } of this.db.getRange({ start: chunkKey(c, 0), end: chunkKey(c + 1, 0) })) {
      const count = decodePostingChunk(value, this.room(value.length));
      visit(this.scratch, count);
    }
  }

  /** Whether `internalId` is in centroid `c`'s list (one chunk read). */
  has(c: number, internalId: number): boolean {
    const found = this.covering(c, internalId);
    if (found === undefined || found.start > internalId) return false;
    const n = decodePostingChunk(found.value, this.room(found.value.length));
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const id = this.scratch[mid]!;
      if (id === internalId) return true;
      if (id < internalId) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Every (centroid, id) posting in key order, for verification: each list once, whole. */
  *lists(): Iterable<{ centroid: number; ids: number[] }> {
    let current: { centroid: number; ids: number[] } | undefined;
    for (const { key, value } of this.db.getRange()) {
      const c = key.readUInt32BE(0);
      if (current && current.centroid !== c) {
        yield current;
        current = undefined;
      }
      current ??= { centroid: c, ids: [] };
      const out = new Uint32Array(value.length);
      const n = decodePostingChunk(value, out);
      for (let i = 0; i < n; i++) current.ids.push(out[i]!);
    }
    if (current) yield current;
  }

  /** Keys and bytes held (for stats). */
  size(): { chunks: number; bytes: number } {
    let chunks = 0;
    let bytes = 0;
    for (const { value } of this.db.getRange()) {
      chunks++;
      bytes += KEY_BYTES + value.length;
    }
    return { chunks, bytes };
  }

  /** Merges sorted distinct `ids` into centroid c's list, chunk by chunk. */
  private insertMany(c: number, ids: readonly number[]): void {
    let at = 0;
    while (at < ids.length) {
      const found = this.covering(c, ids[at]!);
      // The ids this chunk takes: those below the next chunk's key.
      const nextKey = found === undefined ? undefined : this.nextChunkStart(c, found.start);
      let end = at + 1;
      while (end < ids.length && (nextKey === undefined || ids[end]! < nextKey)) end++;
      const existing = found === undefined ? [] : this.decode(found.value);
      const merged = mergeSorted(existing, ids.slice(at, end));
      // The chunk keeps its key unless an id below it arrived (only possible for the list's first chunk).
      const firstKey = found === undefined ? merged[0]! : Math.min(found.start, merged[0]!);
      if (found !== undefined && firstKey !== found.start) this.db.removeSync(chunkKey(c, found.start));
      this.writeChunks(c, merged, firstKey);
      at = end;
    }
  }

  private remove(c: number, id: number): void {
    const found = this.covering(c, id);
    if (found === undefined) return;
    const ids = this.decode(found.value).filter((x) => x !== id);
    if (ids.length === 0) this.db.removeSync(chunkKey(c, found.start));
    else this.db.putSync(chunkKey(c, found.start), encodePostingChunk(ids));
  }

  /**
   * The chunk that holds or should hold `id`: the one with the greatest key <= id, else the first chunk of the
   * list (its key is then lowered to `id` by the writer); undefined for an empty list.
   */
  private covering(c: number, id: number): { start: number; value: Uint8Array } | undefined {
    for (const { key, value } of this.db.getRange({ start: chunkKey(c, id), reverse: true, limit: 1 })) {
      if (key.readUInt32BE(0) === c) return { start: key.readUInt32BE(4), value: value.slice() };
    }
    for (const { key, value } of this.db.getRange({ start: chunkKey(c, 0), end: chunkKey(c + 1, 0), limit: 1 })) {
      return { start: key.readUInt32BE(4), value: value.slice() };
    }
    return undefined;
  }

  private nextChunkStart(c: number, start: number): number | undefined {
    if (start === 0xffffffff) return undefined;
    for (const { key } of this.db.getRange({ start: chunkKey(c, start + 1), end: chunkKey(c + 1, 0), limit: 1 })) {
      return key.readUInt32BE(4);
    }
    return undefined;
  }

  /** Writes `ids` (sorted, distinct) as chunks of at most IVF_CHUNK_IDS: the first under `firstKey`, the others keyed by their first ids. */
  private writeChunks(c: number, ids: readonly number[], firstKey: number): void {
    for (let from = 0; from < ids.length; from += this.chunkIds) {
      const part = ids.slice(from, from + this.chunkIds);
      this.db.putSync(chunkKey(c, from === 0 ? firstKey : part[0]!), encodePostingChunk(part));
    }
  }

  private decode(bytes: Uint8Array): number[] {
    const n = decodePostingChunk(bytes, this.room(bytes.length));
    return Array.from(this.scratch.subarray(0, n));
  }

  private room(bytes: number): Uint32Array {
    if (this.scratch.length < bytes) this.scratch = new Uint32Array(bytes * 2);
    return this.scratch;
  }
}

function chunkKey(c: number, start: number): Buffer {
  const key = Buffer.allocUnsafe(KEY_BYTES);
  key.writeUInt32BE(c >>> 0, 0);
  key.writeUInt32BE(start >>> 0, 4);
  return key;
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!;
    if (out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

function dedupeSorted(ids: number[]): number[] {
  let n = 0;
  for (let i = 0; i < ids.length; i++) if (n === 0 || ids[n - 1] !== ids[i]) ids[n++] = ids[i]!;
  ids.length = n;
  return ids;
}
