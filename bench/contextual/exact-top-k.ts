/**
 * Exact MaxSim top k of a fixed set of queries over documents offered one at a time: the inner loop of the
 * exhaustive reference, shared by the bundle workers (exhaustive-job.ts) and in-memory workloads (harness.ts).
 * Scores come from the project's MaxSim scorer (WebAssembly SIMD, equal to `maxSimKernel`); equal scores rank the
 * lower document index first.
 */
import { Float16Codec } from '../../src/index/codecs/float16-codec.js';
import { createMaxSimScorer, TopK, type MaxSimScorer } from '../../src/search/index.js';

/** Per query, the best (document index, score) pairs, best first. */
export type PartialTopK = Array<Array<{ internalId: number; score: number }>>;

export class ExactTopK {
  // One scorer per query keeps every query resident, so a document is read once for all of them.
  private readonly scorers: MaxSimScorer[];
  private readonly best: TopK[];
  private readonly codec = new Float16Codec();
  private widened = new Float32Array(0);

  /** `queries[q]` holds query q's token vectors as rows of `dim` floats. */
  constructor(queries: readonly Float32Array[], private readonly dim: number, k: number) {
    this.scorers = queries.map((data) => {
      if (data.length % dim !== 0) throw new RangeError(`exact top-k: a query of ${data.length} floats is not whole rows of ${dim}`);
      const scorer = createMaxSimScorer();
      scorer.setQuery({ dim, count: data.length / dim, data });
      return scorer;
    });
    this.best = queries.map(() => new TopK(k, (a, b) => a - b));
  }

  /** Offers document `internalId`, the first `count` rows of `rows`. */
  add(internalId: number, rows: Float32Array, count: number): void {
    for (let q = 0; q < this.scorers.length; q++) this.best[q]!.push(this.scorers[q]!.score(rows, count), internalId);
  }

  /** Offers document `internalId` stored as `count` rows of little-endian float16 (widened exactly). */
  addFloat16(internalId: number, halves: Uint8Array, count: number): void {
    if (this.scorers[0]?.scoreFloat16 === undefined) {
      // The scalar backend has no float16 path: widen once for all queries.
      if (this.widened.length < count * this.dim) this.widened = new Float32Array(count * this.dim);
      this.add(internalId, this.codec.decode(halves, count, this.dim, this.widened), count);
      return;
    }
    for (let q = 0; q < this.scorers.length; q++) this.best[q]!.push(this.scorers[q]!.scoreFloat16!(halves, count), internalId);
  }

  /** Every query's top k, best first; empties the lists. */
  drain(): PartialTopK {
    return this.best.map((top) => top.drain());
  }
}
