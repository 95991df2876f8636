import type { Encoder } from '../encode/index.js';
import { DEFAULT_REDUCTION_SEED, type ReductionPipeline } from '../pool/index.js';
import { documentText, fieldRangeOf, idf, withSourceRows, type FieldRange, type MultiVector } from '../shared/index.js';
import type { SearchableIndex } from './searchable-index.js';

/** One token of a document as its encoder read it. */
export interface DocumentToken {
  readonly token: string;
  /** Its row in the document's unreduced encoding: the token's place among the document's encoded tokens. */
  readonly position: number;
  /** Where it was read in the stored record; absent for rows no text stands behind ([CLS], [D]). */
  readonly range?: FieldRange;
}

/** What an encoder must offer to explain stored rows: document encoding and the character spans of its rows. */
export type TokenSpanEncoder = Pick<Encoder, 'encodeDocuments' | 'documentTokenSpans' | 'protectedLeadingTokens'>;

/** A query row's match in a document, as `LateInteractionSearcher.explain` reports it. */
export interface RowMatch {
  /** The stored row with the highest similarity (-1: the document has no rows). */
  readonly row: number;
  /** True when exact-match recovery floored the similarity: the document holds the query token itself. */
  readonly exactMatch: boolean;
  readonly queryToken: string | null;
}

/** Least similarity between a stored row and the row recomputed for it (binary codes keep about 0.8). */
const MIN_REPRODUCED_SIMILARITY = 0.5;
const SIMILARITY_SLACK = 1e-6;

/**
 * Says which document tokens a document's stored rows stand for: one token for a row stored as encoded (or
 * pruned), every member for a pooled row. Rows keep no tokens in the index, so the document's
 * stored text is encoded again and reduced by the index's pipeline with source rows tracked (every step is
 * deterministic), which costs one document encoding per call. The result is trusted only if it reproduces the
 * stored rows: the same count, and each row asked about is nearer to its recomputed row than to any other
 * recomputed row. It does not when the text was never stored (precomputed embeddings) or when a step's inputs
 * changed since the document was stored (`idf-top` reads the index's current document frequencies).
 */
export class StoredRowTokens {
  private readonly seed: number;

  constructor(
    private readonly index: SearchableIndex,
    private readonly encoder: TokenSpanEncoder,
    private readonly pipeline: ReductionPipeline,
    options: { readonly seed?: number } = {},
  ) {
    this.seed = options.seed ?? DEFAULT_REDUCTION_SEED;
  }

  /**
   * Per query row, the document tokens it matched: the tokens of its best stored row, or, when exact-match recovery
   * floored its similarity, the occurrences of the query token among the tokens the stored rows stand for (the
   * floor comes from the document holding that token, whichever row holds it). Undefined when the stored rows
   * cannot be reproduced (see the class comment); the rows reported from are the ones checked.
   */
  async matchedTokens(internalId: number, matches: readonly RowMatch[]): Promise<DocumentToken[][] | undefined> {
    const reproduced = await this.reproduce(internalId);
    if (reproduced === undefined) return undefined;
    const { rows } = reproduced;
    const used = new Set<number>();
    const matched = matches.map((match) => {
      if (!match.exactMatch) {
        if (match.row < 0) return [];
        used.add(match.row);
        return [...(rows[match.row] ?? [])];
      }
      const held: DocumentToken[] = [];
      rows.forEach((members, row) => {
        const own = members.filter((t) => t.token === match.queryToken);
        if (own.length > 0) used.add(row);
        held.push(...own);
      });
      return held.sort((a, b) => a.position - b.position);
    });
    return reproduces(reproduced.stored, reproduced.recomputed, used) ? matched : undefined;
  }

  /** The document's text encoded again and reduced with source rows; undefined when it has no text or spans. */
  private async reproduce(
    internalId: number,
  ): Promise<{ rows: DocumentToken[][]; stored: MultiVector; recomputed: MultiVector } | undefined> {
    const record = this.index.getDocument(internalId);
    if (record === undefined) return undefined;
    const text = documentText(record);
    const spans = text === '' ? undefined : this.encoder.documentTokenSpans?.(text);
    if (spans === undefined) return undefined;
    const [encoded] = await this.encoder.encodeDocuments([text]);
    if (encoded === undefined || encoded.count !== spans.tokens.length) return undefined;
    if (encoded.tokens && encoded.tokens.some((token, r) => token !== spans.tokens[r])) return undefined;
    const recomputed = this.pipeline.apply(withSourceRows(encoded), {
      protectedLeadingTokens: this.encoder.protectedLeadingTokens,
      seed: this.seed,
      idf: (term) => idf(this.index.documentFrequency(term), this.index.counts().documents),
    }).vectors;
    const stored = this.index.readVectors(internalId);
    if (stored === undefined) return undefined;
    const tokens: DocumentToken[] = spans.tokens.map((token, position) => {
      const start = spans.spans[2 * position]!;
      const range = start < 0 ? undefined : fieldRangeOf(record, start, spans.spans[2 * position + 1]!);
      return { token, position, ...(range && { range }) };
    });
    const rows = recomputed.sourceRows!.map((sources) => sources.map((position) => tokens[position]!));
    return { rows, stored, recomputed };
  }
}

function reproduces(stored: MultiVector, recomputed: MultiVector, rows: Iterable<number>): boolean {
  if (stored.count !== recomputed.count || stored.dim !== recomputed.dim) return false;
  const dim = stored.dim;
  const dot = (r: number, s: number): number => {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += stored.data[r * dim + d]! * recomputed.data[s * dim + d]!;
    return sum;
  };
  for (const r of rows) {
    if (r < 0 || r >= stored.count) return false;
    const own = dot(r, r);
    if (own < MIN_REPRODUCED_SIMILARITY) return false;
    for (let s = 0; s < recomputed.count; s++) if (s !== r && dot(r, s) > own + SIMILARITY_SLACK) return false;
  }
  return true;
}
