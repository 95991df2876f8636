/**
 * LMDB keys hold at most 1978 bytes; every string the index uses as a key (document ids, df terms, sparse terms,
 * exact-match tokens) must stay within this, which leaves room for ordered-binary's few bytes of framing.
 */
export const MAX_KEY_BYTES = 1024;

/** Whether `value` is a string short enough to be an LMDB key of the index. */
export function fitsKey(value: unknown): value is string {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so short strings need no byte count (the common case).
  return typeof value === 'string' && (value.length <= MAX_KEY_BYTES / 3 || Buffer.byteLength(value) <= MAX_KEY_BYTES);
}
