import type { Database, RootDatabase } from 'lmdb';
import { InputError } from '../../shared/index.js';
import { MAX_TERM_ID } from './encoding.js';

/**
 * The sparse store's term dictionary (`<prefix>.terms`: term -> term id). Ids are assigned on first sight from
 * the store's `nextTermId` and never reused. Writes run inside the caller's transaction.
 */
export class TermDictionary {
  private readonly terms: Database<number, string>;
  /**
   * Write-path cache of term ids. Ids assigned by a transaction that later aborted are detected at the next
   * write (some cached id >= the stored nextTermId) and the cache is dropped.
   */
  private readonly cache = new Map<string, number>();
  private cachedMaxId = -1;

  constructor(env: RootDatabase, prefix: string) {
    this.terms = env.openDB<number, string>({ name: `${prefix}.terms` });
  }

  id(term: string): number | undefined {
    return this.terms.get(term);
  }

  /** Before a batch of `idFor` calls: forgets cached ids that an aborted transaction assigned. */
  beginWrite(nextTermId: number): void {
    if (this.cachedMaxId < nextTermId) return;
    this.cache.clear();
    this.cachedMaxId = -1;
  }

  /** The id of `term`, assigning `counter.nextTermId` (and advancing it) to a new term. */
  idFor(term: string, counter: { nextTermId: number }): number {
    let termId = this.cache.get(term);
    if (termId !== undefined) return termId;
    termId = this.terms.get(term);
    if (termId === undefined) {
      termId = counter.nextTermId++;
      if (termId >= MAX_TERM_ID) throw new InputError(`the sparse store holds the maximum of ${MAX_TERM_ID} terms`, undefined, 'terms');
      this.terms.putSync(term, termId);
    }
    this.cache.set(term, termId);
    if (termId > this.cachedMaxId) this.cachedMaxId = termId;
    return termId;
  }
}
