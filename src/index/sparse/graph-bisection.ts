import { InputError } from '../../shared/index.js';

/**
 * A document-term graph in compressed rows: the terms of document d are `terms[offsets[d]..offsets[d + 1])`,
 * each term id < `termCount`, no repeats within a document.
 */
export interface DocumentTermGraph {
  readonly offsets: Uint32Array;
  readonly terms: Uint32Array;
  readonly termCount: number;
}

export interface BisectionOptions {
  /**
   * Recursion stops at parts of at most this many documents; splits keep part starts at multiples of it, so
   * with leafSize = block size every leaf is exactly one block (order inside a block does not matter to BMP).
   */
  readonly leafSize: number;
  /** Swap rounds per bisection; default 10 (Dhulipala et al. use 20; 10 gave the same leaf purity on clustered test graphs). */
  readonly iterations?: number;
  /**
   * A bisection stops early after a round that swaps fewer than this share of its smaller half (swaps keep
   * oscillating at a low level long after the cost has settled); default 0.01.
   */
  readonly minSwapShare?: number;
  /** Bisections deeper than this are not refined (the part keeps its order). Default: no limit. */
  readonly maxDepth?: number;
}

export interface BisectionReport {
  /** order[newPosition] = document index in the input graph. */
  readonly order: Uint32Array;
  readonly bisections: number;
  readonly swapRounds: number;
  readonly swaps: number;
}

/**
 * Recursive graph bisection ("BP", Dhulipala et al., KDD 2016, with the per-term gain tables of Mackenzie et al.,
 * ECIR 2021): split documents in two halves, then repeatedly swap the documents whose move most reduces the
 * approximate log-gap cost sum_t d1(t) log(n1 / (d1(t) + 1)) + d2(t) log(n2 / (d2(t) + 1)), and recurse.
 * Deterministic: ties are broken by position, no randomness. Documents start in the input order.
 * Cost per round is linear in the part's edges plus two native sorts of its gains; the caller leaves out terms of
 * document frequency < 2 (no co-occurrence to exploit).
 */
export function recursiveGraphBisection(graph: DocumentTermGraph, options: BisectionOptions): BisectionReport {
  const documents = graph.offsets.length - 1;
  const leafSize = options.leafSize;
  if (!Number.isInteger(leafSize) || leafSize < 1) throw new InputError(`must be a positive integer, got ${leafSize}`, undefined, 'leafSize');
  const iterations = options.iterations ?? 10;
  const minSwapShare = options.minSwapShare ?? 0.01;
  const maxDepth = options.maxDepth ?? Infinity;
  const order = new Uint32Array(Math.max(0, documents));
  for (let i = 0; i < documents; i++) order[i] = i;
  const state = new BisectionState(graph, documents);
  let bisections = 0;
  let swapRounds = 0;
  let swaps = 0;
  // Explicit stack of [lo, hi, depth] parts: no recursion limit on skewed inputs.
  const stack: number[] = [0, documents, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo <= leafSize || depth >= maxDepth) continue;
    const leaves = Math.ceil((hi - lo) / leafSize);
    const mid = lo + Math.ceil(leaves / 2) * leafSize;
    bisections++;
    for (let round = 0; round < iterations; round++) {
      swapRounds++;
      const moved = state.swapRound(order, lo, mid, hi);
      swaps += moved;
      if (moved === 0 || moved < minSwapShare * Math.min(mid - lo, hi - mid)) break;
    }
    stack.push(mid, hi, depth + 1, lo, mid, depth + 1);
  }
  return { order, bisections, swapRounds, swaps };
}

/** Scratch arrays shared by every bisection; per-term arrays are reset by walking the part's edges. */
class BisectionState {
  private readonly leftDegree: Int32Array;
  private readonly rightDegree: Int32Array;
  /** Cost change of moving one document containing the term left -> right / right -> left (gain = saved cost). */
  private readonly gainLeftToRight: Float64Array;
  private readonly gainRightToLeft: Float64Array;
  /** Distinct terms of the current part. */
  private readonly partTerms: Uint32Array;
  private readonly gains: Float64Array;
  private readonly sortedGains: Float64Array;
  private readonly leftSwap: Uint32Array;
  private readonly rightSwap: Uint32Array;
  /** log2Of[i] = log2(i), for the cost function without calls to Math.log2. */
  private readonly log2Of: Float64Array;

  constructor(
    private readonly graph: DocumentTermGraph,
    documents: number,
  ) {
    const terms = graph.termCount;
    this.leftDegree = new Int32Array(terms);
    this.rightDegree = new Int32Array(terms);
    this.gainLeftToRight = new Float64Array(terms);
    this.gainRightToLeft = new Float64Array(terms);
    this.partTerms = new Uint32Array(terms);
    const n = Math.max(0, documents);
    this.gains = new Float64Array(n);
    this.sortedGains = new Float64Array(n);
    this.leftSwap = new Uint32Array(n);
    this.rightSwap = new Uint32Array(n);
    this.log2Of = new Float64Array(n + 2);
    for (let i = 1; i < this.log2Of.length; i++) this.log2Of[i] = Math.log2(i);
  }

  /** One round on order[lo..hi) split at mid: compute move gains, swap the best pairs while they help. */
  swapRound(order: Uint32Array, lo: number, mid: number, hi: number): number {
    const { offsets, terms } = this.graph;
    const left = this.leftDegree;
    const right = this.rightDegree;
    const seen = this.partTerms;
    let seenCount = 0;
    for (let p = lo; p < hi; p++) {
      const doc = order[p]!;
      const degree = p < mid ? left : right;
      for (let e = offsets[doc]!; e < offsets[doc + 1]!; e++) {
        const t = terms[e]!;
        if (left[t] === 0 && right[t] === 0) seen[seenCount++] = t;
        degree[t]!++;
      }
    }
    const leftSize = mid - lo;
    const rightSize = hi - mid;
    const log = this.log2Of;
    const leftLog = log[leftSize]!;
    const rightLog = log[rightSize]!;
    const toRight = this.gainLeftToRight;
    const toLeft = this.gainRightToLeft;
    // Gain tables once per distinct term of the part; the degrees are cleared on the way for the next round.
    for (let i = 0; i < seenCount; i++) {
      const t = seen[i]!;
      const l = left[t]!;
      const r = right[t]!;
      const now = termCost(l, leftLog, log) + termCost(r, rightLog, log);
      toRight[t] = l > 0 ? now - (termCost(l - 1, leftLog, log) + termCost(r + 1, rightLog, log)) : 0;
      toLeft[t] = r > 0 ? now - (termCost(l + 1, leftLog, log) + termCost(r - 1, rightLog, log)) : 0;
      left[t] = 0;
      right[t] = 0;
    }
    const gains = this.gains;
    for (let p = lo; p < hi; p++) {
      const doc = order[p]!;
      const table = p < mid ? toRight : toLeft;
      let gain = 0;
      for (let e = offsets[doc]!; e < offsets[doc + 1]!; e++) gain += table[terms[e]!]!;
      gains[p] = gain;
    }
    // Pairing the i-th best of each side, swaps continue while the pair's gains sum > 0: a prefix of both sorted
    // lists. Which documents move does not depend on the pairing, so find the prefix length on natively sorted
    // gains, then swap the chosen documents of each side in position order (ties at the cut: lower position).
    const sortedLeft = this.sortedGains.subarray(lo, mid);
    const sortedRight = this.sortedGains.subarray(mid, hi);
    sortedLeft.set(gains.subarray(lo, mid));
    sortedRight.set(gains.subarray(mid, hi));
    sortedLeft.sort();
    sortedRight.sort();
    const pairs = Math.min(leftSize, rightSize);
    let swaps = 0;
    while (swaps < pairs && sortedLeft[leftSize - 1 - swaps]! + sortedRight[rightSize - 1 - swaps]! > 0) swaps++;
    if (swaps === 0) return 0;
    const leftChosen = chooseTop(gains, lo, mid, swaps, sortedLeft[leftSize - swaps]!, this.leftSwap);
    const rightChosen = chooseTop(gains, mid, hi, swaps, sortedRight[rightSize - swaps]!, this.rightSwap);
    for (let i = 0; i < swaps; i++) {
      const a = leftChosen[i]!;
      const b = rightChosen[i]!;
      const doc = order[a]!;
      order[a] = order[b]!;
      order[b] = doc;
    }
    return swaps;
  }
}

/** Approximate log-gap bits of a term with `degree` documents in a part: degree x log2(size / (degree + 1)). */
function termCost(degree: number, logSize: number, log2Of: Float64Array): number {
  return degree * (logSize - log2Of[degree + 1]!);
}

/** Positions in [from, to) of the `count` largest gains (all above `cut`, then those equal to it), ascending. */
function chooseTop(gains: Float64Array, from: number, to: number, count: number, cut: number, out: Uint32Array): Uint32Array {
  let above = 0;
  for (let p = from; p < to; p++) if (gains[p]! > cut) above++;
  let ties = count - above;
  let n = 0;
  for (let p = from; p < to; p++) {
    const g = gains[p]!;
    if (g > cut || (g === cut && ties-- > 0)) out[n++] = p;
  }
  return out.subarray(0, n);
}
