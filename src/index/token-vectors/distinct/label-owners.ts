import { VECTOR_KEY_BYTES } from './vector-key.js';

/**
 * Value of the `labelOwners` database for one distinct vector label: `[vector key: 16 bytes][owners: u32 LE x n]`,
 * owners = the internal ids of the documents holding the vector, strictly ascending. The key is kept so that a
 * label losing its last owner can drop its `vectorLabels` entry.
 *
 * Packed values (rather than an LMDB dupSort database) make the read side one `get` per label, which is what
 * search does per nearest vector. The cost is on writes: changing a label's owners rewrites its whole list, at most
 * once per label per batch (a batch aggregates its changes), i.e. O(owners) bytes; a vector held by every
 * document of a million-document corpus costs a 4 MB rewrite per batch that touches it.
 */
export function encodeLabelOwners(key: Uint8Array, owners: ArrayLike<number>, count: number): Uint8Array {
  const out = Buffer.allocUnsafe(VECTOR_KEY_BYTES + 4 * count);
  out.set(key.subarray(0, VECTOR_KEY_BYTES), 0);
  for (let i = 0; i < count; i++) out.writeUInt32LE(owners[i]!, VECTOR_KEY_BYTES + 4 * i);
  return out;
}

export function labelOwnerCount(value: Uint8Array): number {
  return (value.length - VECTOR_KEY_BYTES) >>> 2;
}

/** Owner `i` of a `labelOwners` value (works on unaligned views). */
export function labelOwnerAt(value: Uint8Array, i: number): number {
  const at = VECTOR_KEY_BYTES + 4 * i;
  return (value[at]! | (value[at + 1]! << 8) | (value[at + 2]! << 16) | (value[at + 3]! << 24)) >>> 0;
}

/** The vector key stored in a `labelOwners` value (a copy). */
export function labelOwnersKey(value: Uint8Array): Buffer {
  return Buffer.from(value.subarray(0, VECTOR_KEY_BYTES));
}

/** The owners of a `labelOwners` value as a new array. */
export function decodeLabelOwners(value: Uint8Array): Uint32Array {
  const n = labelOwnerCount(value);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = labelOwnerAt(value, i);
  return out;
}

/** Whether a `labelOwners` value lists `internalId` (binary search over the ascending owners). */
export function labelOwnersInclude(value: Uint8Array, internalId: number): boolean {
  let lo = 0;
  let hi = labelOwnerCount(value) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const owner = labelOwnerAt(value, mid);
    if (owner === internalId) return true;
    if (owner < internalId) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
