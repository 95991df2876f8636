import { describe, expect, it } from 'vitest';
import { decodeBlockRecord, type SparseDocument, type SparseStore } from '../../src/index/sparse/index.js';
import { accumulateBlockRecord } from '../../src/search/sparse/index.js';
import { encodeBlockRecord } from '../../src/index/sparse/encoding.js';
import { IndexFormatError } from '../../src/shared/index.js';
import { churnStore, openTempStore, putAll, rng } from './helpers.js';

/** Every (term, block) posting list, regrouped by block as "term:offset:impact" strings. */
function termMajorByBlock(store: SparseStore): Map<number, string[]> {
  const byBlock = new Map<number, string[]>();
  const stats = store.stats();
  for (let termId = 0; termId < stats.nextTermId; termId++) {
    const term = store.termBlocksById(termId);
    if (term === undefined) continue;
    for (const block of term.blocks) {
      const bytes = store.postingBlock(termId, block);
      if (bytes === undefined) continue;
      const n = bytes.length / 2;
      let list = byBlock.get(block);
      if (list === undefined) byBlock.set(block, (list = []));
      for (let j = 0; j < n; j++) list.push(`${termId}:${bytes[j]}:${bytes[n + j]}`);
    }
  }
  return byBlock;
}

function recordsByBlock(store: SparseStore): Map<number, string[]> {
  const byBlock = new Map<number, string[]>();
  for (let block = 0; block < store.numBlocks() + 2; block++) {
    const bytes = store.blockRecord(block);
    if (bytes === undefined) continue;
    const r = decodeBlockRecord(bytes);
    byBlock.set(block, Array.from({ length: r.count }, (_, i) => `${r.termIds[i]}:${r.offsets[i]}:${r.impacts[i]}`));
  }
  return byBlock;
}

function randomDocs(count: number, seed: number): SparseDocument[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, internalId) => ({
    internalId,
    terms: Array.from({ length: 1 + Math.floor(random() * 12) }, () => `t${Math.floor(random() * random() * 60)}`),
  }));
}

describe('block records (the per-block forward index)', () => {
  it('encode and score a hand-worked block: only the listed terms, weight x impact at each offset', () => {
    // Term 3 at offsets 0 and 2 (impacts 5, 7), term 9 at offset 1 (impact 4), term 12 at offset 3 (impact 1).
    const bytes = encodeBlockRecord({ termIds: [3, 3, 9, 12], offsets: [0, 2, 1, 3], impacts: [5, 7, 4, 1], count: 4 });
    const into = new Float64Array(4);
    // Query terms 3, 5 (absent), 9 with weights 2, 100, 10.
    expect(accumulateBlockRecord(bytes, Uint32Array.of(3, 5, 9), Float64Array.of(2, 100, 10), into)).toBe(3);
    expect([...into]).toEqual([10, 40, 14, 0]);
    expect(decodeBlockRecord(bytes)).toEqual({
      termIds: Uint32Array.of(3, 3, 9, 12),
      offsets: Uint8Array.of(0, 2, 1, 3),
      impacts: Uint8Array.of(5, 7, 4, 1),
      count: 4,
    });
    into.fill(0);
    expect(accumulateBlockRecord(bytes, Uint32Array.of(12, 40), Float64Array.of(3, 1), into)).toBe(1);
    expect([...into]).toEqual([0, 0, 0, 3]);
  });

  it.each([4, 64])('hold exactly the term-major postings of their block after puts, deletes, replacements and reorders (block size %i)', async (blockSize) => {
    const temp = openTempStore({ blockSize });
    try {
      const docs = randomDocs(700, 17 + blockSize);
      await putAll(temp, docs, 97);
      expect(recordsByBlock(temp.store)).toEqual(termMajorByBlock(temp.store));
      const { live } = await churnStore(temp, docs, rng(5), { first: 3, step: 11, mix: 7 });
      const afterChurn = recordsByBlock(temp.store);
      expect(afterChurn).toEqual(termMajorByBlock(temp.store));
      // Every live document's slot appears in its block's record, and nothing else does.
      const occupied = new Set([...afterChurn].flatMap(([block, list]) => list.map((e) => block * blockSize + Number(e.split(':')[1]))));
      expect(occupied).toEqual(new Set([...live.keys()].map((id) => temp.store.slotOf(id))));

      temp.store.runInTransaction(() => temp.store.reorder());
      expect(recordsByBlock(temp.store)).toEqual(termMajorByBlock(temp.store));
      await putAll(temp, randomDocs(90, 3).map((d) => ({ ...d, internalId: 5000 + d.internalId })), 40);
      temp.store.runInTransaction(() => temp.store.removeDocuments([5001, 5002, ...[...live.keys()].slice(0, 30)]));
      expect(recordsByBlock(temp.store)).toEqual(termMajorByBlock(temp.store));

      // The verify check agrees, and notices a lost record and a record that lost a posting.
      expect(temp.store.checkBlockRecords()).toEqual([]);
      const raw = temp.env.openDB<Uint8Array, number>({ name: 'sparse.blocks', keyEncoding: 'uint32', encoding: 'binary' });
      raw.removeSync(0);
      const one = decodeBlockRecord(raw.getBinary(1)!);
      raw.putSync(1, encodeBlockRecord({ termIds: one.termIds, offsets: one.offsets, impacts: one.impacts, count: one.count - 1 }));
      expect(temp.store.checkBlockRecords()).toEqual([
        'sparse block 1: block record disagrees with the term postings',
        'sparse block 0: postings without a block record',
      ]);
    } finally {
      temp.close();
    }
  });

  it('a store written by format 1 (no block records) is refused with a clear error, not misread', async () => {
    const temp = openTempStore();
    try {
      await putAll(temp, randomDocs(10, 1));
      const meta = temp.env.openDB<Record<string, unknown>, string>({ name: 'sparse.meta' });
      meta.putSync('stats', { ...meta.get('stats'), formatVersion: 1 });
      let error: unknown;
      try {
        temp.reopen();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IndexFormatError);
      expect((error as IndexFormatError).code).toBe('sparse_format');
      expect((error as Error).message).toBe('sparse store format 1 is not supported (this lateindex reads format 2)');
    } finally {
      temp.close();
    }
  });
});
