import type { BatchResult } from '../index/index.js';
import type { DocumentRecord } from '../shared/index.js';
import { DocumentFindings } from './document-findings.js';
import { warn } from './output.js';

/** Ids listed in summaries; the count is always complete. */
const LISTED_IDS = 100;
const WARNED_IDS = 10;

/**
 * The documents of an `index` or `add` run that encoded to no vector (empty, or only stopwords and punctuation):
 * stored, but unreachable by any query, so the summary counts and names them. A later record with the same id
 * that has words clears it.
 */
export class VectorlessDocuments {
  private readonly found = new DocumentFindings<true>();

  record(batch: readonly DocumentRecord[], result: Pick<BatchResult, 'vectorless'>): void {
    this.found.record(batch, result.vectorless.map((id) => [id, true] as const));
  }

  /** `{ vectorless: { count, ids } }` for a JSON summary, or nothing when every document has vectors. */
  summary(): { vectorless?: { count: number; ids: string[] } } {
    if (this.found.count === 0) return {};
    return { vectorless: { count: this.found.count, ids: this.ids().slice(0, LISTED_IDS) } };
  }

  warn(): void {
    if (this.found.count === 0) return;
    const ids = this.ids();
    const shown = ids.slice(0, WARNED_IDS).map((id) => `"${id}"`).join(', ');
    warn(
      `${ids.length} document${ids.length === 1 ? ' has' : 's have'} no searchable words (empty, or only stopwords and ` +
        `punctuation) and can never be found: ${shown}${ids.length > WARNED_IDS ? `, ... (${ids.length - WARNED_IDS} more)` : ''}`,
    );
  }

  private ids(): string[] {
    return this.found.entries().map(([id]) => id);
  }
}
