/**
 * A set of token vectors for one text: `count` rows of `dim` floats, row-major in `data`.
 * Per-row token ids/strings are present when the encoder knows them; `weights` carries per-row
 * query weights (e.g. IDF) and is absent when every row weighs 1.
 */
export interface MultiVector {
  readonly dim: number;
  readonly count: number;
  readonly data: Float32Array;
  readonly tokenIds?: Int32Array;
  readonly tokens?: readonly string[];
  readonly weights?: Float32Array;
  /** Image-patch layout `[rows, cols]` when the vectors come from a grid (ColPali-style). */
  readonly grid?: readonly [number, number];
}

export function multiVector(
  data: Float32Array,
  dim: number,
  extra: Omit<MultiVector, 'data' | 'dim' | 'count'> = {},
): MultiVector {
  if (dim <= 0 || data.length % dim !== 0) {
    throw new RangeError(`vector data length ${data.length} is not a multiple of dim ${dim}`);
  }
  return { ...extra, data, dim, count: data.length / dim };
}

/** L2-normalises every row in place; all-zero rows are left as they are. */
export function normalizeRows(data: Float32Array, dim: number): Float32Array {
  for (let off = 0; off < data.length; off += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[off + j]! * data[off + j]!;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < dim; j++) data[off + j]! *= inv;
    }
  }
  return data;
}
