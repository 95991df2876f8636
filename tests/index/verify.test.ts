import { afterEach, describe, expect, it, vi } from 'vitest';
import { LateIndex, TokenGraph } from '../../src/index/index.js';
import { encoderIdentity, makeDoc, randomUnitRows, rng, tempDir } from './helpers.js';

const DIM = 12;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length) await cleanups.pop()!();
});

async function populated(): Promise<LateIndex> {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const index = await LateIndex.create(t.dir, { encoder: encoderIdentity(DIM) });
  cleanups.push(() => index.close());
  const random = rng(31);
  const vocab = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
  const docs = Array.from({ length: 30 }, (_, i) =>
    makeDoc(`d${i}`, randomUnitRows(random, 1 + (i % 4), DIM), DIM, { terms: vocab.filter((_, j) => (i + j) % 3 === 0), stepCounts: [8, 1 + (i % 4)] }),
  );
  await index.upsert(docs);
  await index.upsert(docs.slice(0, 5).map((d) => makeDoc(d.id, randomUnitRows(random, 2, DIM), DIM, { terms: ['zeta'], stepCounts: [4, 2] })));
  await index.delete(['d7', 'd8', 'missing']);
  return index;
}

describe('LateIndex.verify', () => {
  it('finds no problem after inserts, updates and deletes, and recounts what the bookkeeping says', async () => {
    const index = await populated();
    const report = index.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.documents).toBe(28);
    expect(report.vectors).toBe(index.counts().vectors);
    // Hand count: docs 5..29 minus 7, 8 keep 1 + (i % 4) vectors; docs 0..4 now have 2 each.
    let vectors = 10;
    for (let i = 5; i < 30; i++) if (i !== 7 && i !== 8) vectors += 1 + (i % 4);
    expect(index.counts().vectors).toBe(vectors);
    expect(index.documentFrequency('zeta')).toBe(5);
  });

  it('reports a wrong document frequency and a missing vector payload', async () => {
    const index = await populated();
    const store = index.inspect().store;
    store.df.putSync('alpha', 99);
    store.vectors.removeSync(index.getInternalId('d10')!);
    const report = index.verify();
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.includes('"alpha"') && p.includes('99'))).toBe(true);
    expect(report.problems.some((p) => p.includes('"d10"') && p.includes('no stored vectors'))).toBe(true);
  });

  it('a batch that fails inside its transaction leaves LMDB and the graph untouched', async () => {
    const index = await populated();
    const before = { counts: index.counts(), sequence: index.sequence(), steps: index.stepCounts(), df: index.documentFrequency('zeta') };
    const vectors = index.inspect().store.vectors;
    const original = vectors.putSync.bind(vectors);
    let calls = 0;
    vi.spyOn(vectors, 'putSync').mockImplementation((key, value) => {
      if (++calls === 2) throw new Error('disk full (injected)');
      original(key, value);
    });
    const random = rng(32);
    const batch = [
      makeDoc('new1', randomUnitRows(random, 3, DIM), DIM, { terms: ['zeta'] }),
      makeDoc('d0', randomUnitRows(random, 3, DIM), DIM, { terms: ['zeta'] }),
    ];
    await expect(index.upsert(batch)).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect(index.getInternalId('new1')).toBeUndefined();
    expect({ counts: index.counts(), sequence: index.sequence(), steps: index.stepCounts(), df: index.documentFrequency('zeta') }).toEqual(before);
    expect(index.readVectors(index.getInternalId('d0')!)!.count).toBe(2);
    expect(index.verify().problems).toEqual([]);
    expect(await index.upsert(batch)).toEqual({ inserted: 1, updated: 1 });
    expect(index.verify().problems).toEqual([]);
  });

  it('refuses to issue HNSW labels beyond 32 bits (hnswlib-node would wrap them)', async () => {
    const index = await populated();
    const store = index.inspect().store;
    const setNextLabel = (label: number): void => store.transaction(() => store.putState({ ...store.state(), nextLabel: label }));
    setNextLabel(2 ** 32 - 2);
    const before = index.sequence();
    await expect(index.upsert([makeDoc('big', randomUnitRows(rng(33), 3, DIM), DIM)])).rejects.toMatchObject({ code: 'label_space_exhausted' });
    expect(index.getInternalId('big')).toBeUndefined();
    expect(index.sequence()).toBe(before);
    // A document without vectors needs no label and is still accepted.
    expect(await index.upsert([makeDoc('fits', new Float32Array(0), DIM)])).toEqual({ inserted: 1, updated: 0 });
  });

  it('a graph failure after the LMDB commit is repaired by a rebuild and the write stands', async () => {
    const index = await populated();
    // The first graph addition after the commit fails; the rebuild that repairs it adds to a new graph.
    vi.spyOn(TokenGraph.prototype, 'add').mockImplementationOnce(() => {
      throw new Error('hnswlib failure (injected)');
    });
    const rows = randomUnitRows(rng(34), 2, DIM);
    expect(await index.upsert([makeDoc('late', rows, DIM)])).toEqual({ inserted: 1, updated: 0 });
    expect(index.verify().problems).toEqual([]);
    expect(index.inspect().distinct().nearestOwners(rows.subarray(0, DIM), 3, 64)[0]!.internalId).toBe(index.getInternalId('late'));
  });

  it('compact rebuilds the graph without its tombstones and keeps search results and consistency', async () => {
    const index = await populated();
    const probe = index.readVectors(index.getInternalId('d20')!)!;
    const before = index.inspect().distinct().nearestOwners(probe.data.slice(0, DIM), 5, 64);
    const tombstones = index.inspect().distinct().graphStats().tombstones;
    expect(tombstones).toBeGreaterThan(0);
    expect((await index.compact()).graphTombstonesDropped).toBe(tombstones);
    expect(index.inspect().distinct().graphStats().tombstones).toBe(0);
    expect(index.verify().problems).toEqual([]);
    const after = index.inspect().distinct().nearestOwners(probe.data.slice(0, DIM), 5, 64);
    expect(after[0]).toEqual(before[0]);
    expect(after[0]!.internalId).toBe(index.getInternalId('d20'));
  });
});
