import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LateIndex } from '../../src/index/late-index.js';
import { analyze, bm25Impact, type SparseStore } from '../../src/index/sparse/index.js';
import { encoderIdentity, fields, makeDoc, randomUnitRows, rng, tempDir } from './helpers.js';

const DIM = 8;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length) await cleanups.pop()!();
});
function newDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Every (internal id -> impact) posting of `term`, read block by block from the store. */
function postingsOf(store: SparseStore, term: string): Map<number, number> {
  const out = new Map<number, number>();
  const blocks = store.termBlocks(term);
  if (!blocks) return out;
  const blockSize = store.stats().blockSize;
  for (const block of blocks.blocks) {
    const bytes = store.postingBlock(blocks.termId, block)!;
    const n = bytes.length / 2;
    for (let i = 0; i < n; i++) out.set(block * blockSize + bytes[i]!, bytes[n + i]!);
  }
  return out;
}

/** Brute force: the postings each term should have, from the live documents' text. */
function expectedPostings(texts: Map<number, string>): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const [id, text] of texts) {
    for (const term of analyze(text)) {
      if (!out.has(term)) out.set(term, new Set());
      out.get(term)!.add(id);
    }
  }
  return out;
}

function expectStoreMatches(store: SparseStore, texts: Map<number, string>, vocabulary: readonly string[]): void {
  const expected = expectedPostings(texts);
  for (const word of vocabulary) {
    const term = analyze(word)[0]!;
    expect([...postingsOf(store, term).keys()].sort((a, b) => a - b), term).toEqual([...(expected.get(term) ?? [])].sort((a, b) => a - b));
    expect(store.termBlocks(term)?.df ?? 0).toBe(expected.get(term)?.size ?? 0);
  }
  expect(store.stats().documents).toBe(texts.size);
}

const vocabulary = ['cells', 'protein', 'tumor', 'growth', 'mice', 'binding', 'receptor', 'signal'];

function corpus(n: number, seed: number): { id: string; title: string; text: string }[] {
  const random = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 3 + Math.floor(random() * 6) }, () => vocabulary[Math.floor(random() * vocabulary.length)]!);
    return { id: `d${i}`, title: `Title ${i}`, text: `The ${words.join(' and ')}.` };
  });
}

describe('LateIndex sparse postings (bm25 default)', () => {
  it('records the sparse configuration and keeps postings in step with inserts, updates and deletes', async () => {
    const dir = newDir();
    const random = rng(51);
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM), sparse: { mode: 'bm25', blockSize: 4 } });
    expect(index.manifest.sparse).toEqual({ mode: 'bm25', blockSize: 4, k1: 0.9, b: 0.4, learnedScale: 64 });
    const records = corpus(30, 52);
    await index.upsert(records.map((r) => makeDoc(r.id, randomUnitRows(random, 2, DIM), DIM, fields(r))));
    const texts = new Map(records.map((r, i) => [i, `${r.title}\n${r.text}`]));
    const store = index.sparse!;
    expectStoreMatches(store, texts, vocabulary);

    // Hand-checked impact for one document: BM25 saturation of tf over its analyzed length, avgdl of batch one.
    const analyzed = [...texts.values()].map((t) => analyze(t));
    const avgdl = analyzed.reduce((s, a) => s + a.length, 0) / analyzed.length;
    expect(store.stats().avgdl).toBeCloseTo(avgdl, 10);
    const terms0 = analyzed[0]!;
    const term = terms0[terms0.length - 1]!;
    const tf = terms0.filter((t) => t === term).length;
    expect(postingsOf(store, term).get(0)).toBe(bm25Impact(tf, terms0.length, avgdl, { k1: 0.9, b: 0.4 }));

    // Update: d1 gets new text, d2 loses its text (no postings), d3 is deleted.
    await index.upsert([
      makeDoc('d1', randomUnitRows(random, 1, DIM), DIM, fields({ text: 'receptor receptor binding' })),
      makeDoc('d2', randomUnitRows(random, 1, DIM), DIM),
    ]);
    await index.delete(['d3']);
    texts.set(1, 'receptor receptor binding');
    texts.delete(2);
    texts.delete(3);
    expectStoreMatches(store, texts, vocabulary);
    expect(store.hasDocument(2)).toBe(false);
    expect(index.verify().problems).toEqual([]);
    await index.close();

    const reopened = await LateIndex.open(dir);
    cleanups.push(() => reopened.close());
    expect(reopened.manifest.sparse).toEqual({ mode: 'bm25', blockSize: 4, k1: 0.9, b: 0.4, learnedScale: 64 });
    expectStoreMatches(reopened.sparse!, texts, vocabulary);
    // A new document after reopen lands in a later block and is found.
    await reopened.upsert([makeDoc('late', randomUnitRows(random, 1, DIM), DIM, fields({ text: 'mice' }))]);
    expect(postingsOf(reopened.sparse!, analyze('mice')[0]!).has(reopened.getInternalId('late')!)).toBe(true);
    expect(reopened.verify().problems).toEqual([]);
  });

  it('default is bm25 with blocks of 64; mode none has no store; an old manifest without the field reads as none', async () => {
    const dir = newDir();
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM) });
    expect(index.manifest.sparse).toMatchObject({ mode: 'bm25', blockSize: 64 });
    expect(index.sparse).toBeDefined();
    await index.close();

    const none = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM), sparse: { mode: 'none' } });
    expect(none.sparse).toBeUndefined();
    await none.upsert([makeDoc('a', randomUnitRows(rng(53), 1, DIM), DIM, fields({ text: 'cells' }, 'none'))]);
    expect(none.verify().problems).toEqual([]);
    await none.close();

    const file = join(dir, 'manifest.json');
    const { sparse: _sparse, ...old } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify(old));
    const reopened = await LateIndex.open(dir);
    cleanups.push(() => reopened.close());
    expect(reopened.sparse).toBeUndefined();

    await expect(LateIndex.create(newDir(), { encoder: encoderIdentity(DIM), sparse: { mode: 'bm25', blockSize: 300 } })).rejects.toMatchObject({
      field: 'sparse.blockSize',
    });
  });

  it('learned mode stores the given weights and skips documents without them', async () => {
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM), sparse: { mode: 'learned' } });
    cleanups.push(() => index.close());
    const random = rng(54);
    await index.upsert([
      makeDoc('a', randomUnitRows(random, 1, DIM), DIM, fields({ text: 'ignored text', sparse: { alpha: 1, beta: 0.5 } }, 'learned')),
      makeDoc('b', randomUnitRows(random, 1, DIM), DIM, fields({ text: 'no weights' }, 'learned')),
      makeDoc('c', randomUnitRows(random, 1, DIM), DIM, fields({ sparse: { beta: 2 } }, 'learned')),
    ]);
    const store = index.sparse!;
    expect([...postingsOf(store, 'alpha')]).toEqual([[0, 64]]);
    expect([...postingsOf(store, 'beta')]).toEqual([
      [0, 32],
      [2, 128],
    ]);
    expect(store.termBlocks('ignor')).toBeUndefined();
    expect(store.hasDocument(1)).toBe(false);
    await index.upsert([makeDoc('c', randomUnitRows(random, 1, DIM), DIM)]);
    expect([...postingsOf(store, 'beta')]).toEqual([[0, 32]]);
    expect(index.verify().problems).toEqual([]);
    await expect(index.upsert([makeDoc('bad', randomUnitRows(random, 1, DIM), DIM, { sparse: { weights: { x: -1 } } })])).rejects.toThrow(/"bad".*"x"/);
  });

  it('a batch failing inside its transaction rolls back vectors, documents and postings together', async () => {
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM), sparse: { mode: 'bm25', blockSize: 4 } });
    cleanups.push(() => index.close());
    const random = rng(55);
    const records = corpus(12, 56);
    await index.upsert(records.map((r) => makeDoc(r.id, randomUnitRows(random, 2, DIM), DIM, fields({ text: r.text }))));
    const texts = new Map(records.map((r, i) => [i, r.text]));
    const store = index.sparse!;
    const snapshot = (): unknown => ({ counts: index.counts(), sequence: index.sequence(), stats: store.stats(), graph: index.inspect().distinct().graphStats() });
    const before = snapshot();
    const batch = [
      makeDoc('d0', randomUnitRows(random, 2, DIM), DIM, fields({ text: 'signal signal' })),
      makeDoc('d1', randomUnitRows(random, 2, DIM), DIM),
      makeDoc('new', randomUnitRows(random, 2, DIM), DIM, fields({ text: 'tumor growth' })),
    ];

    // Failure after the postings were rewritten (in the last step of the batch's bookkeeping).
    const df = index.inspect().store.df;
    vi.spyOn(df, 'putSync').mockImplementation(() => {
      throw new Error('disk full (injected)');
    });
    await expect(index.upsert([...batch.slice(0, 2), { ...batch[2]!, terms: ['x'] }])).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect(snapshot()).toEqual(before);
    expectStoreMatches(store, texts, vocabulary);

    // Failure inside the sparse store itself, after it removed the old postings.
    const put = vi.spyOn(store, 'putDocuments').mockImplementation(() => {
      throw new Error('sparse write failed (injected)');
    });
    await expect(index.upsert(batch)).rejects.toThrow(/sparse write failed/);
    await expect(index.delete(['d4'])).resolves.toMatchObject({ deleted: ['d4'] });
    put.mockRestore();
    texts.delete(4);
    expect(index.getInternalId('new')).toBeUndefined();
    expectStoreMatches(store, texts, vocabulary);
    expect(index.verify().problems).toEqual([]);

    await index.upsert(batch);
    texts.set(0, 'signal signal');
    texts.delete(1);
    texts.set(index.getInternalId('new')!, 'tumor growth');
    expectStoreMatches(store, texts, vocabulary);
    expect(index.verify().problems).toEqual([]);
  });

  it('verify reports postings that disagree with the documents', async () => {
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM) });
    cleanups.push(() => index.close());
    await index.upsert([makeDoc('a', randomUnitRows(rng(57), 1, DIM), DIM, fields({ text: 'cells' }))]);
    index.sparse!.runInTransaction(() => index.sparse!.removeDocuments([0]));
    expect(index.verify().problems).toEqual(['document 0 ("a") has text but no sparse postings']);
  });
});
