/**
 * Bounded top-k of (score, internal id) with the sparse tie rule: higher score first, equal scores by
 * ascending internal id. The heap root is the worst kept entry.
 */
export class TopScores {
  readonly capacity: number;
  private readonly scores: Float64Array;
  private readonly ids: Uint32Array;
  private length = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.scores = new Float64Array(capacity);
    this.ids = new Uint32Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  /** Score of the worst kept entry (only meaningful when `full`). */
  get worstScore(): number {
    return this.scores[0]!;
  }

  push(score: number, id: number): void {
    if (this.capacity === 0) return;
    if (this.length < this.capacity) {
      let i = this.length++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(score, id, this.scores[parent]!, this.ids[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.ids[i] = this.ids[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.ids[i] = id;
      return;
    }
    if (!worse(this.scores[0]!, this.ids[0]!, score, id)) return;
    let i = 0;
    const n = this.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && worse(this.scores[child + 1]!, this.ids[child + 1]!, this.scores[child]!, this.ids[child]!)) child++;
      if (!worse(this.scores[child]!, this.ids[child]!, score, id)) break;
      this.scores[i] = this.scores[child]!;
      this.ids[i] = this.ids[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** Kept entries best first, scores multiplied by `scale`. */
  sorted(scale: number): Array<{ internalId: number; score: number }> {
    const order = Array.from({ length: this.length }, (_, i) => i);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.ids[a]! - this.ids[b]!);
    return order.map((i) => ({ internalId: this.ids[i]!, score: this.scores[i]! * scale }));
  }
}

/** True when (scoreA, idA) ranks below (scoreB, idB). */
function worse(scoreA: number, idA: number, scoreB: number, idB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && idA > idB);
}
