/**
 * Bounded top-k selection of (score, internalId) pairs in O(n log k). The root of the min-heap is the
 * worst kept entry: lowest score, and on equal scores the one that `compareTies` orders last.
 * `compareTies(a, b) < 0` means internal id `a` ranks before `b` when their scores are equal.
 */
export class TopK {
  readonly capacity: number;
  private readonly scores: Float64Array;
  private readonly ids: Int32Array;
  private length = 0;

  constructor(capacity: number, private readonly compareTies: (a: number, b: number) => number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`top-k capacity must be a non-negative integer, got ${capacity}`);
    this.capacity = capacity;
    this.scores = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  /** True when entry (scoreA, idA) ranks below (scoreB, idB). */
  private ranksBelow(scoreA: number, idA: number, scoreB: number, idB: number): boolean {
    if (scoreA !== scoreB) return scoreA < scoreB;
    return this.compareTies(idA, idB) > 0;
  }

  /** Offers a candidate; returns whether it is kept (for now). */
  push(score: number, internalId: number): boolean {
    if (this.capacity === 0 || Number.isNaN(score)) return false;
    if (this.length < this.capacity) {
      this.siftUp(this.length++, score, internalId);
      return true;
    }
    if (!this.ranksBelow(this.scores[0]!, this.ids[0]!, score, internalId)) return false;
    this.siftDown(score, internalId);
    return true;
  }

  /** Kept entries, best first. Leaves the heap empty. */
  drain(): Array<{ internalId: number; score: number }> {
    const out: Array<{ internalId: number; score: number }> = [];
    for (let i = 0; i < this.length; i++) out.push({ internalId: this.ids[i]!, score: this.scores[i]! });
    this.length = 0;
    out.sort((a, b) => (a.score !== b.score ? b.score - a.score : this.compareTies(a.internalId, b.internalId)));
    return out;
  }

  private siftUp(position: number, score: number, id: number): void {
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.ranksBelow(score, id, this.scores[parent]!, this.ids[parent]!)) break;
      this.scores[i] = this.scores[parent]!;
      this.ids[i] = this.ids[parent]!;
      i = parent;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** Replaces the root with (score, id) and restores the heap. */
  private siftDown(score: number, id: number): void {
    const n = this.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let worst = left;
      if (right < n && this.ranksBelow(this.scores[right]!, this.ids[right]!, this.scores[left]!, this.ids[left]!)) worst = right;
      if (!this.ranksBelow(this.scores[worst]!, this.ids[worst]!, score, id)) break;
      this.scores[i] = this.scores[worst]!;
      this.ids[i] = this.ids[worst]!;
      i = worst;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }
}
