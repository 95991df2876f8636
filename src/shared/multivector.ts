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
  /**
   * After pooling: the distinct tokens each row stands for (a merged row lists all its members). Absent while
   * rows are single tokens, where row r stands for `tokens[r]`.
   */
  readonly memberTokens?: readonly (readonly string[])[];
  /**
   * Per row, the rows of the unreduced document it stands for (ascending; a merged row lists all its members).
   * Reduction carries it only when the input has it (see `withSourceRows`), to explain stored rows.
   */
  readonly sourceRows?: readonly (readonly number[])[];
  /** Image-patch layout `[rows, cols]` when the vectors come from a grid (ColPali-style). */
  readonly grid?: readonly [number, number];
  /**
   * Set by an encoder that cut a document at its token limit (`Encoder.documentTokenLimit`): the tokens the text
   * had; the rows stand for the first ones only. Absent when nothing was cut.
   */
  readonly truncatedFrom?: number;
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

/** `doc` with `sourceRows` set to the identity (row r stands for row r), so a reduction records where its rows came from. */
export function withSourceRows(doc: MultiVector): MultiVector {
  return { ...doc, sourceRows: Array.from({ length: doc.count }, (_, r) => [r]) };
}

/** The distinct tokens `doc`'s rows still stand for (members of merged rows included); undefined without tokens. */
export function representedTokens(doc: MultiVector): string[] | undefined {
  const rows = doc.memberTokens ?? doc.tokens?.map((token) => [token]);
  if (rows === undefined) return undefined;
  const seen = new Set<string>();
  for (const members of rows) for (const token of members) seen.add(token);
  return [...seen];
}
