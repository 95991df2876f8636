import type { BatchResult, TruncatedDocument } from '../index/index.js';
import type { DocumentRecord } from '../shared/index.js';
import { DocumentFindings } from './document-findings.js';
import { warn } from './output.js';

/** Documents listed in a JSON summary; the count is always complete. */
const LISTED = 100;
/** Documents named in the warning line. */
const WARNED = 10;

/**
 * The documents of an `index` or `add` run that the encoder cut at its token limit: their vectors stand for the
 * first `limit` tokens only (the sparse postings index the whole text). A later record with the same id replaces
 * what an earlier one reported.
 */
export class TruncatedDocuments {
  private readonly found = new DocumentFindings<number>();

  constructor(private readonly limit: number | undefined) {}

  record(batch: readonly DocumentRecord[], result: Pick<BatchResult, 'truncated'>): void {
    this.found.record(batch, result.truncated.map(({ id, tokens }) => [id, tokens] as const));
  }

  /** `{ truncated: { count, limit, documents } }` for a JSON summary, or nothing when no document was cut. */
  summary(): { truncated?: { count: number; limit: number | undefined; documents: TruncatedDocument[] } } {
    if (this.found.count === 0) return {};
    return { truncated: { count: this.found.count, limit: this.limit, documents: this.documents().slice(0, LISTED) } };
  }

  /** One line on stderr naming the longest cut documents, when there are any. */
  warn(): void {
    const count = this.found.count;
    if (count === 0) return;
    const named = this.documents()
      .sort((a, b) => b.tokens - a.tokens)
      .slice(0, WARNED)
      .map((doc) => `"${doc.id}" (${doc.tokens} tokens)`)
      .join(', ');
    const more = count > WARNED ? `, ... (${count - WARNED} more)` : '';
    warn(
      `${count} document${count === 1 ? ' is' : 's are'} longer than the encoder reads (${this.limit} tokens): ` +
        `${count === 1 ? 'its' : 'their'} vectors stand for the first ${this.limit} tokens (BM25 indexes the whole text): ${named}${more}`,
    );
  }

  private documents(): TruncatedDocument[] {
    return this.found.entries().map(([id, tokens]) => ({ id, tokens }));
  }
}
