import type { Database, RootDatabase } from 'lmdb';
import { decodeBlockRecord, encodeBlockRecord, type BlockPostings } from './encoding.js';
import type { TermPostings } from './term-postings.js';

/**
 * The block-major side of the sparse store, `<prefix>.blocks`: block -> every posting of that block grouped by
 * term (a forward index; what Block-Max Pruning reads to score a whole block with one get). It holds the same
 * postings as the term-major side; writes keep both in step inside the caller's transaction.
 */
export class BlockRecords {
  private readonly records: Database<Uint8Array, number>;

  constructor(env: RootDatabase, prefix: string) {
    this.records = env.openDB<Uint8Array, number>({ name: `${prefix}.blocks`, keyEncoding: 'uint32', encoding: 'binary' });
  }

  /** The record of `block` (layout: `encodeBlockRecord`), or undefined; valid until the next read of the environment. */
  get(block: number): Uint8Array | undefined {
    const bytes = this.records.getBinaryFast(block);
    return bytes === undefined ? undefined : bytes.subarray(0, bytes.length);
  }

  /** Rewrites one block record without the postings at `drops` (block offsets), plus `adds` ((term, offset, impact) triples). */
  update(block: number, drops: ReadonlySet<number> | undefined, adds: readonly number[] | undefined): void {
    const bytes = this.records.getBinary(block);
    const current = bytes === undefined ? undefined : decodeBlockRecord(bytes);
    const kept = current === undefined ? 0 : current.count;
    const added = adds === undefined ? 0 : adds.length / 3;
    // The stored record is sorted by (term, offset); sort only the additions and merge them in.
    const addOrder = Array.from({ length: added }, (_, i) => i).sort((a, b) => adds![3 * a]! - adds![3 * b]! || adds![3 * a + 1]! - adds![3 * b + 1]!);
    const out = { termIds: new Uint32Array(kept + added), offsets: new Uint8Array(kept + added), impacts: new Uint8Array(kept + added), count: 0 };
    let i = 0;
    let j = 0;
    while (i < kept || j < added) {
      if (i < kept && drops?.has(current!.offsets[i]!)) {
        i++;
        continue;
      }
      const a = j < added ? 3 * addOrder[j]! : -1;
      const takeStored = j >= added || (i < kept && (current!.termIds[i]! - adds![a]! || current!.offsets[i]! - adds![a + 1]!) < 0);
      const n = out.count++;
      if (takeStored) {
        out.termIds[n] = current!.termIds[i]!;
        out.offsets[n] = current!.offsets[i]!;
        out.impacts[n] = current!.impacts[i++]!;
      } else {
        out.termIds[n] = adds![a]!;
        out.offsets[n] = adds![a + 1]!;
        out.impacts[n] = adds![a + 2]!;
        j++;
      }
    }
    if (out.count > 0) this.records.putSync(block, encodeBlockRecord(out));
    else if (bytes !== undefined) this.records.removeSync(block);
  }

  /** Writes the record of `block` from postings[from..to) (sorted by term, then offset). */
  put(block: number, postings: BlockPostings, from: number, to: number): void {
    this.records.putSync(block, encodeBlockRecord(postings, from, to));
  }

  clear(): void {
    this.records.clearSync();
  }

  /**
   * Cross-checks the block records against the term-major postings, block by block (posting counts and each
   * term's posting count). Returns problems found, at most `limit`. A full scan of both.
   */
  check(terms: TermPostings, limit: number): string[] {
    const problems: string[] = [];
    const expected = new Map<number, Map<number, number>>();
    terms.forEveryPostingBlock((termId, block, bytes) => {
      let counts = expected.get(block);
      if (counts === undefined) expected.set(block, (counts = new Map()));
      counts.set(termId, bytes.length >>> 1);
    });
    for (const { key: block, value } of this.records.getRange({})) {
      const termCounts = expected.get(block) ?? new Map<number, number>();
      expected.delete(block);
      const record = decodeBlockRecord(value);
      const counts = new Map<number, number>();
      for (let i = 0; i < record.count; i++) counts.set(record.termIds[i]!, (counts.get(record.termIds[i]!) ?? 0) + 1);
      const differs = counts.size !== termCounts.size || [...counts].some(([term, n]) => termCounts.get(term) !== n);
      if (differs && problems.length < limit) problems.push(`sparse block ${block}: block record disagrees with the term postings`);
    }
    for (const block of expected.keys()) if (problems.length < limit) problems.push(`sparse block ${block}: postings without a block record`);
    return problems;
  }
}
