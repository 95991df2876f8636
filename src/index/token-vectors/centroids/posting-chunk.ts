/**
 * A chunk of an inverted list: strictly increasing internal document ids as LEB128 varints, the first absolute,
 * then gaps. Lists are split into chunks so that an update rewrites a bounded number of bytes.
 */
export function encodePostingChunk(ids: ArrayLike<number>, count = ids.length): Uint8Array {
  const out = new Uint8Array(count * 5);
  let at = 0;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const id = ids[i]!;
    if (!(id > previous)) throw new RangeError(`posting ids must increase strictly (${previous} then ${id})`);
    let gap = previous < 0 ? id : id - previous;
    previous = id;
    while (gap >= 0x80) {
      out[at++] = (gap & 0x7f) | 0x80;
      gap >>>= 7;
    }
    out[at++] = gap;
  }
  return out.slice(0, at);
}

/** Decodes a chunk, appending to `out` from `at`; returns the new length. `out` must have room (bytes.length). */
export function decodePostingChunk(bytes: Uint8Array, out: Uint32Array | Int32Array, at = 0): number {
  let previous = -1;
  let i = 0;
  while (i < bytes.length) {
    let gap = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[i++]!;
      gap |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    previous = previous < 0 ? gap : previous + (gap >>> 0);
    out[at++] = previous;
  }
  return at;
}

/** Number of ids in a chunk (one pass over its bytes: every id ends at a byte below 0x80). */
export function postingChunkLength(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! < 0x80) n++;
  return n;
}
