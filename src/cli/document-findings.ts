import type { DocumentRecord } from '../shared/index.js';

/**
 * What an `index` or `add` run found about some of its documents, by id, in input order: a later record of an id
 * replaces what an earlier one reported (it may clear it).
 */
export class DocumentFindings<T> {
  private readonly byId = new Map<string, T>();

  /** After a batch: forgets its records' ids, then keeps what the batch reported about them. */
  record(batch: readonly DocumentRecord[], found: Iterable<readonly [string, T]>): void {
    for (const record of batch) this.byId.delete(record.id);
    for (const [id, value] of found) this.byId.set(id, value);
  }

  get count(): number {
    return this.byId.size;
  }

  entries(): [string, T][] {
    return [...this.byId];
  }
}
