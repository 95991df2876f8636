import { readUint32At } from '../../index/sparse/index.js';

/**
 * Adds weight x impact of every posting of the listed terms in one block record into `into[offset]`.
 * `termIds` ascending, `weights` parallel. Returns the number of postings added. Block-Max Pruning's inner loop:
 * it reads the record in place (layout: `encodeBlockRecord` in index/sparse/encoding.ts), with no decode and no
 * allocation.
 */
export function accumulateBlockRecord(bytes: Uint8Array, termIds: Uint32Array, weights: Float64Array, into: Float64Array): number {
  const n = readUint32At(bytes, 0);
  if (n === 0) return 0;
  const endsAt = 4 + 4 * n;
  const postingsAt = endsAt + 4 * n;
  const impactsAt = postingsAt + readUint32At(bytes, endsAt + 4 * (n - 1));
  let added = 0;
  let lo = 0;
  for (let q = 0; q < termIds.length && lo < n; q++) {
    const target = termIds[q]!;
    let hi = n - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = readUint32At(bytes, 4 + 4 * mid);
      if (v < target) lo = mid + 1;
      else if (v > target) hi = mid - 1;
      else {
        at = mid;
        break;
      }
    }
    if (at < 0) continue;
    const from = at === 0 ? 0 : readUint32At(bytes, endsAt + 4 * (at - 1));
    const to = readUint32At(bytes, endsAt + 4 * at);
    const weight = weights[q]!;
    for (let j = from; j < to; j++) {
      const offset = bytes[postingsAt + j]!;
      into[offset] = into[offset]! + weight * bytes[impactsAt + j]!;
    }
    added += to - from;
    lo = at + 1;
  }
  return added;
}
