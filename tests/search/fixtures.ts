import type { HnswHit, IndexCounts, StoredDocument } from '../../src/index/types.js';
import type { SearchableIndex } from '../../src/search/index.js';
import { multiVector, type MultiVector } from '../../src/shared/index.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export { mulberry32 as rng } from '../../src/shared/random.js';

export function randomMultiVector(random: () => number, count: number, dim: number, extra: Partial<MultiVector> = {}): MultiVector {
  const data = new Float32Array(count * dim);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return multiVector(data, dim, extra);
}

/** Brute-force MaxSim reference written independently of the kernel (plain arrays, no unrolling). */
export function referenceMaxSim(query: MultiVector, doc: MultiVector): { score: number; bestRow: number[]; bestSimilarity: number[] } {
  const rows = (mv: MultiVector): number[][] =>
    Array.from({ length: mv.count }, (_, r) => Array.from(mv.data.slice(r * mv.dim, (r + 1) * mv.dim)));
  const q = rows(query);
  const d = rows(doc);
  let score = 0;
  const bestRow: number[] = [];
  const bestSimilarity: number[] = [];
  q.forEach((qi, i) => {
    const sims = d.map((dj) => dj.reduce((acc, x, t) => acc + x * qi[t]!, 0));
    const best = sims.length ? Math.max(...sims) : -Infinity;
    bestRow.push(sims.indexOf(best));
    bestSimilarity.push(best);
    if (sims.length) score += (query.weights ? query.weights[i]! : 1) * best;
  });
  return { score, bestRow, bestSimilarity };
}

export interface FakeDoc {
  readonly id: string;
  readonly vectors: MultiVector;
  readonly terms?: readonly string[];
}

/** In-memory SearchableIndex; `searchHnsw` is an exact brute-force k-NN over all live token vectors. */
export class FakeIndex implements SearchableIndex {
  readonly dim: number;
  readonly docs: Array<FakeDoc | undefined>;
  readVectorsCalls = 0;
  reusedBufferCalls = 0;

  constructor(dim: number, docs: FakeDoc[]) {
    this.dim = dim;
    this.docs = [...docs];
  }

  delete(internalId: number): void {
    this.docs[internalId] = undefined;
  }

  counts(): IndexCounts {
    const live = this.docs.filter((d): d is FakeDoc => d !== undefined);
    const vectors = live.reduce((n, d) => n + d.vectors.count, 0);
    return { documents: live.length, vectors, vectorBytes: vectors * this.dim * 4 };
  }

  documentFrequency(term: string): number {
    return this.docs.filter((d) => d?.terms?.includes(term)).length;
  }

  getDocument(internalId: number): StoredDocument | undefined {
    const doc = this.docs[internalId];
    return doc ? { internalId, id: doc.id } : undefined;
  }

  getInternalId(id: string): number | undefined {
    const i = this.docs.findIndex((d) => d?.id === id);
    return i < 0 ? undefined : i;
  }

  readVectors(internalId: number, out?: Float32Array): MultiVector | undefined {
    const doc = this.docs[internalId];
    if (!doc) return undefined;
    this.readVectorsCalls++;
    const n = doc.vectors.data.length;
    let data: Float32Array;
    if (out && out.length >= n) {
      this.reusedBufferCalls++;
      data = out.subarray(0, n);
      // Poison the tail so a kernel reading past `count` rows would be caught.
      out.fill(Number.NaN, n);
    } else {
      data = new Float32Array(n);
    }
    data.set(doc.vectors.data);
    return multiVector(data, this.dim);
  }

  *liveInternalIds(): Iterable<number> {
    for (let i = 0; i < this.docs.length; i++) if (this.docs[i]) yield i;
  }

  searchHnsw(query: Float32Array, k: number): HnswHit[] {
    const hits: HnswHit[] = [];
    this.docs.forEach((doc, internalId) => {
      if (!doc) return;
      for (let r = 0; r < doc.vectors.count; r++) {
        let s = 0;
        for (let t = 0; t < this.dim; t++) s += query[t]! * doc.vectors.data[r * this.dim + t]!;
        hits.push({ internalId, similarity: s });
      }
    });
    hits.sort((a, b) => b.similarity - a.similarity);
    return hits.slice(0, k);
  }

  /** Brute force of LateIndex's rule: nearest vectors' owners, each document once (best similarity), until `maxDocuments`. */
  searchHnswDocuments(query: Float32Array, maxDocuments: number): HnswHit[] {
    const seen = new Set<number>();
    const out: HnswHit[] = [];
    for (const hit of this.searchHnsw(query, Number.MAX_SAFE_INTEGER)) {
      if (out.length >= maxDocuments) break;
      if (seen.has(hit.internalId)) continue;
      seen.add(hit.internalId);
      out.push(hit);
    }
    return out;
  }
}
