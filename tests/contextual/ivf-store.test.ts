import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { IvfStore } from '../../src/index/token-vectors/centroids/ivf-store.js';
import { mulberry32 } from '../../src/shared/random.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function env() {
  const dir = mkdtempSync(path.join(tmpdir(), 'ivf-'));
  dirs.push(dir);
  return open({ path: path.join(dir, 'store.mdb'), maxDbs: 4 });
}

/** The brute-force model: centroid -> set of ids, derived from each document's current centroids. */
function expectedLists(docs: Map<number, number[]>): Map<number, number[]> {
  const lists = new Map<number, Set<number>>();
  for (const [id, centroids] of docs) {
    for (const c of centroids) {
      if (!lists.has(c)) lists.set(c, new Set());
      lists.get(c)!.add(id);
    }
  }
  return new Map([...lists].sort((a, b) => a[0] - b[0]).map(([c, ids]) => [c, [...ids].sort((a, b) => a - b)]));
}

function storedLists(store: IvfStore): Map<number, number[]> {
  return new Map([...store.lists()].map(({ centroid, ids }) => [centroid, ids]));
}

describe('IVF store', () => {
  it('stays exactly equal to the brute-force lists through batched adds, replacements and deletes (small chunks)', () => {
    const root = env();
    const store = new IvfStore(root, 'ivf', 4);
    const random = mulberry32(99);
    const docs = new Map<number, number[]>();
    let nextId = 0;
    const centroidsOf = () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * 12));
    for (let round = 0; round < 60; round++) {
      root.transactionSync(() => {
        const batch: { internalId: number; centroids: number[] }[] = [];
        for (let i = 0; i < 5; i++) batch.push({ internalId: nextId++, centroids: centroidsOf() });
        store.addDocuments(batch);
        for (const { internalId, centroids } of batch) docs.set(internalId, [...new Set(centroids)]);
        // replace two random live documents (same internal id, new centroids) and delete one
        const live = [...docs.keys()];
        for (let r = 0; r < 2; r++) {
          const id = live[Math.floor(random() * live.length)]!;
          store.removeDocument(id, docs.get(id)!);
          const fresh = centroidsOf();
          store.addDocument(id, fresh);
          docs.set(id, [...new Set(fresh)]);
        }
        const gone = live[Math.floor(random() * live.length)]!;
        store.removeDocument(gone, docs.get(gone)!);
        docs.delete(gone);
      });
      expect(storedLists(store)).toEqual(expectedLists(docs));
    }
    // every list read through forEachPosting equals the model too, ascending
    for (const [c, ids] of expectedLists(docs)) {
      const seen: number[] = [];
      store.forEachPosting(c, (buffer, count) => seen.push(...buffer.subarray(0, count)));
      expect(seen).toEqual(ids);
    }
    expect(store.size().chunks).toBeGreaterThan(12);
  });

  it('an id below a list\'s first chunk joins it and lowers its key; an emptied chunk disappears', () => {
    const root = env();
    const store = new IvfStore(root, 'ivf', 3);
    root.transactionSync(() => store.addDocuments([10, 11, 12, 13, 14].map((id) => ({ internalId: id, centroids: [7] }))));
    root.transactionSync(() => store.addDocument(2, [7]));
    expect(storedLists(store).get(7)).toEqual([2, 10, 11, 12, 13, 14]);
    root.transactionSync(() => [13, 14].forEach((id) => store.removeDocument(id, [7])));
    root.transactionSync(() => store.removeDocument(2, [7]));
    expect(storedLists(store).get(7)).toEqual([10, 11, 12]);
    root.transactionSync(() => [10, 11, 12].forEach((id) => store.removeDocument(id, [7])));
    expect(storedLists(store).has(7)).toBe(false);
    expect(store.size()).toEqual({ chunks: 0, bytes: 0 });
  });
});

describe('IVF repacking', () => {
  it('moves every list into a second store unchanged and leaves the first empty', () => {
    const root = env();
    const a = new IvfStore(root, 'ivf', 3);
    const b = new IvfStore(root, 'ivf.1', 3);
    root.transactionSync(() => {
      a.addDocuments(Array.from({ length: 40 }, (_, id) => ({ internalId: id, centroids: [id % 5, (id * 7) % 11] })));
      a.removeDocument(7, [2, 5]);
    });
    const before = storedLists(a);
    root.transactionSync(() => a.moveTo(b));
    expect(storedLists(b)).toEqual(before);
    expect(storedLists(a).size).toBe(0);
    root.transactionSync(() => b.addDocument(40, [0]));
    expect(storedLists(b).get(0)).toEqual([...before.get(0)!, 40]);
  });
});
