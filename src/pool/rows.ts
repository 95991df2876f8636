import type { MultiVector } from '../shared/multivector.js';
import { Float64Scratch } from './workspace.js';

/**
 * Keeps the rows whose indices are listed (ascending) in `keep[0..count)`. Per-row `tokens`, `tokenIds`,
 * `memberTokens`, `sourceRows` and `weights` follow their rows; `grid` is dropped because the rows no longer form the grid.
 * Returns `doc` itself when every row is kept.
 */
export function selectRows(doc: MultiVector, keep: Int32Array, count: number): MultiVector {
  if (count === doc.count) return doc;
  const dim = doc.dim;
  const data = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    const src = keep[r]! * dim;
    data.set(doc.data.subarray(src, src + dim), r * dim);
  }
  const out: { -readonly [K in keyof MultiVector]: MultiVector[K] } = { dim, count, data };
  if (doc.tokens) {
    const tokens: string[] = new Array<string>(count);
    for (let r = 0; r < count; r++) tokens[r] = doc.tokens[keep[r]!]!;
    out.tokens = tokens;
  }
  if (doc.tokenIds) {
    const ids = new Int32Array(count);
    for (let r = 0; r < count; r++) ids[r] = doc.tokenIds[keep[r]!]!;
    out.tokenIds = ids;
  }
  if (doc.memberTokens) out.memberTokens = pick(doc.memberTokens, keep, count);
  if (doc.sourceRows) out.sourceRows = pick(doc.sourceRows, keep, count);
  if (doc.weights) {
    const weights = new Float32Array(count);
    for (let r = 0; r < count; r++) weights[r] = doc.weights[keep[r]!]!;
    out.weights = weights;
  }
  return out;
}

function pick<T>(perRow: readonly T[], keep: Int32Array, count: number): T[] {
  const out = new Array<T>(count);
  for (let r = 0; r < count; r++) out[r] = perRow[keep[r]!]!;
  return out;
}

/**
 * Merges rows into clusters. Rows [0, protectedRows) are copied verbatim first; row `protectedRows + i` belongs
 * to cluster `labels[i]` (0..clusters-1, numbered by first appearance, so output order follows the document).
 * Each cluster becomes the mean of its members, re-normalised to unit length when `renormalize` (all-zero
 * means stay zero). The result carries no `tokens`/`tokenIds`/`weights`/`grid`: merged rows have no single
 * token, and a MultiVector's per-row arrays are all-or-nothing. It carries `memberTokens` when `doc` has tokens,
 * and `sourceRows` when `doc` has them (see `mergedRowMembers`).
 */
export class ClusterMerger {
  private readonly sums = new Float64Scratch();
  private readonly counts = new Float64Scratch();

  merge(doc: MultiVector, protectedRows: number, labels: Int32Array, clusters: number, renormalize: boolean): MultiVector {
    const dim = doc.dim;
    const pooled = doc.count - protectedRows;
    const sums = this.sums.take(clusters * dim);
    const counts = this.counts.take(clusters);
    sums.fill(0, 0, clusters * dim);
    counts.fill(0, 0, clusters);
    const src = doc.data;
    for (let i = 0; i < pooled; i++) {
      const c = labels[i]!;
      counts[c]! += 1;
      const so = (protectedRows + i) * dim;
      const co = c * dim;
      for (let d = 0; d < dim; d++) sums[co + d]! += src[so + d]!;
    }
    const data = new Float32Array((protectedRows + clusters) * dim);
    data.set(src.subarray(0, protectedRows * dim), 0);
    for (let c = 0; c < clusters; c++) {
      const co = c * dim;
      let scale = 1 / counts[c]!;
      if (renormalize) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += sums[co + d]! * sums[co + d]!;
        scale = s > 0 ? 1 / Math.sqrt(s) : 0;
      }
      const oo = (protectedRows + c) * dim;
      for (let d = 0; d < dim; d++) data[oo + d] = sums[co + d]! * scale;
    }
    return { dim, count: protectedRows + clusters, data, ...mergedRowMembers(doc, protectedRows, labels, clusters) };
  }
}

/** What a merge's output rows stand for: `memberTokens` (when `doc` has tokens) and `sourceRows` (when it has them). */
export function mergedRowMembers(
  doc: MultiVector,
  protectedRows: number,
  labels: Int32Array,
  clusters: number,
): Pick<MultiVector, 'memberTokens' | 'sourceRows'> {
  const memberTokens = mergedMemberTokens(doc, protectedRows, labels, clusters);
  const sourceRows = doc.sourceRows && mergeMembers(doc.sourceRows, protectedRows, labels, clusters).map((rows) => rows.sort((a, b) => a - b));
  return { ...(memberTokens && { memberTokens }), ...(sourceRows && { sourceRows }) };
}

/**
 * The tokens each row of a merge's output stands for (layout as in `ClusterMerger.merge`): protected rows keep
 * their own, a cluster lists its members' distinct tokens in document order. Undefined when `doc` has no tokens.
 */
function mergedMemberTokens(
  doc: MultiVector,
  protectedRows: number,
  labels: Int32Array,
  clusters: number,
): (readonly string[])[] | undefined {
  const own = doc.memberTokens ?? doc.tokens?.map((token) => [token]);
  return own && mergeMembers(own, protectedRows, labels, clusters);
}

/** Per output row of a merge: protected rows keep their own members, a cluster lists its rows' distinct members in order. */
function mergeMembers<T>(own: readonly (readonly T[])[], protectedRows: number, labels: Int32Array, clusters: number): T[][] {
  // Clusters hold a few rows each, so a linear `includes` beats a Set per cluster.
  const groups: T[][] = Array.from({ length: clusters }, () => []);
  for (let i = 0; i < own.length - protectedRows; i++) {
    const group = groups[labels[i]!]!;
    for (const member of own[protectedRows + i]!) if (!group.includes(member)) group.push(member);
  }
  return [...own.slice(0, protectedRows).map((members) => [...members]), ...groups];
}

/** Number of leading rows protected in `doc` (clamped to its row count); validates the context value. */
export function protectedCount(doc: MultiVector, protectedLeadingTokens: number): number {
  return Math.min(Math.max(Math.floor(protectedLeadingTokens), 0), doc.count);
}

/** Rows a ratio pruner keeps among `candidates` non-protected rows: ceil(ratio * candidates), at least 1. */
export function ratioBudget(candidates: number, ratio: number): number {
  return Math.min(candidates, Math.max(1, Math.ceil(ratio * candidates - 1e-9)));
}

/**
 * What a ratio pruner works on: `p` protected leading rows, `m` candidate rows, `budget` of them to keep.
 * Undefined when the pruner would keep every row (the document then passes through unchanged).
 */
export function ratioPruning(
  doc: MultiVector,
  protectedLeadingTokens: number,
  ratio: number,
): { p: number; m: number; budget: number } | undefined {
  const p = protectedCount(doc, protectedLeadingTokens);
  const m = doc.count - p;
  if (m <= 0) return undefined;
  const budget = ratioBudget(m, ratio);
  return budget >= m ? undefined : { p, m, budget };
}
