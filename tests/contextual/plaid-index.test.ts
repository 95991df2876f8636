import { describe, expect, it } from 'vitest';
import { LateIndex, type PreparedDocument } from '../../src/index/index.js';
import { LateInteractionSearcher } from '../../src/search/index.js';
import { mulberry32, multiVector } from '../../src/shared/index.js';
import { encoderIdentity, makeDoc, useCleanups } from '../index/helpers.js';
import { clusteredRows } from './helpers.js';

const DIM = 32;
const { newDir } = useCleanups();

/** Documents of 5-14 rows drawn from one clustered distribution (all rows distinct, as contextual vectors are). */
function documents(prefix: string, count: number, seed: number): PreparedDocument[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const rows = 5 + Math.floor(random() * 10);
    return makeDoc(`${prefix}${i}`, clusteredRows(rows, DIM, 24, 0.6, seed * 1000 + i), DIM);
  });
}

async function createPlaid(nbits = 2): Promise<LateIndex> {
  const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM), quantization: `plaid:${nbits}` as 'plaid:2', sparse: { mode: 'none' } });
  index.codec.train(clusteredRows(3000, DIM, 24, 0.6, 99), { expectedVectors: 3000 });
  return index;
}

/** The brute-force model: each live document's centroid ids as its stored codes say, inverted into lists. */
function expectedLists(index: LateIndex): Map<number, number[]> {
  const lists = new Map<number, number[]>();
  const reader = index.centroids!;
  const ids = new Int32Array(64);
  for (const internalId of index.liveInternalIds()) {
    const count = reader.centroidIds(internalId, ids);
    for (const c of new Set(ids.subarray(0, count))) {
      if (!lists.has(c)) lists.set(c, []);
      lists.get(c)!.push(internalId);
    }
  }
  return lists;
}

function actualLists(index: LateIndex): Map<number, number[]> {
  const inspection = index.inspect().tokenVectors;
  if (inspection.kind !== 'centroids') throw new Error('not a PLAID index');
  const lists = new Map<number, number[]>();
  for (let c = 0; c < inspection.centroids; c++) {
    const docs = inspection.listDocuments(c);
    if (docs.length > 0) lists.set(c, docs);
  }
  return lists;
}

function sortedEntries(lists: Map<number, number[]>): [number, number[]][] {
  return [...lists.entries()].sort((a, b) => a[0] - b[0]);
}

describe('PLAID index: codes and inverted file', () => {
  it('keeps the inverted file exactly equal to the stored codes through inserts, replacements, deletes and reopen', async () => {
    const index = await createPlaid();
    const dir = index.dir;
    await index.upsert(documents('a', 120, 1));
    await index.upsert(documents('b', 80, 2));
    expect(index.counts().documents).toBe(200);
    expect(sortedEntries(actualLists(index))).toEqual(sortedEntries(expectedLists(index)));

    // Replace 30 documents with new rows (their old centroids must leave the lists) and delete 25.
    await index.upsert(documents('a', 30, 3));
    const removed = await index.delete([...Array.from({ length: 25 }, (_, i) => `b${i}`), 'missing']);
    expect(removed.deleted).toHaveLength(25);
    expect(removed.missing).toEqual(['missing']);
    const before = sortedEntries(expectedLists(index));
    expect(sortedEntries(actualLists(index))).toEqual(before);
    const postings = before.reduce((n, [, docs]) => n + docs.length, 0);
    expect(postings).toBeGreaterThan(175 * 3);
    expect(index.verify().ok).toBe(true);
    await index.close();

    const reopened = await LateIndex.open(dir);
    expect(sortedEntries(actualLists(reopened))).toEqual(before);
    expect(reopened.verify().ok).toBe(true);
    await reopened.close();
  });

  it('verify catches a tampered inverted list: a missing posting and a posting of a deleted document', async () => {
    const index = await createPlaid();
    await index.upsert(documents('a', 60, 4));
    const lists = actualLists(index);
    const [c, docs] = sortedEntries(lists)[0]!;
    const env = index.inspect().store.env;
    const ivf = env.openDB<Uint8Array, Buffer>({ name: 'ivf', keyEncoding: 'binary', encoding: 'binary' });
    const { encodePostingChunk } = await import('../../src/index/token-vectors/centroids/posting-chunk.js');
    const key = Buffer.alloc(8);
    key.writeUInt32BE(c, 0);
    key.writeUInt32BE(docs[0]!, 4);
    // Rewrite the list without its first document, plus an internal id no document has.
    await env.transaction(() => {
      for (const k of ivf.getKeys({ start: Buffer.from([...key.subarray(0, 4), 0, 0, 0, 0]), end: Buffer.from([...key.subarray(0, 4), 255, 255, 255, 255]) })) ivf.removeSync(k);
      ivf.putSync(Buffer.from(key), encodePostingChunk([...docs.slice(1), 999_999]));
    });
    const report = index.verify();
    expect(report.ok).toBe(false);
    const problems = report.problems.join('\n');
    expect(problems).toContain(`holds centroid ${c} but is missing from its inverted list`);
    expect(problems).toContain(`names internal id 999999, which is not a stored document`);
    await index.close();
  });
});

describe('PLAID index: search', () => {
  it('equals exhaustive MaxSim over the stored codes when every list is probed and nothing is pruned', async () => {
    const index = await createPlaid();
    await index.upsert(documents('d', 150, 5));
    const searcher = new LateInteractionSearcher(index);
    const book = index.centroids!.codebook;
    const everything = { cells: book.cellCount, nprobe: book.size, candidates: 1_000_000 };
    for (let q = 0; q < 8; q++) {
      const query = multiVector(clusteredRows(6, DIM, 24, 0.6, 500 + q), DIM);
      const exhaustive = searcher.search(query, { k: 10, exhaustive: true });
      const plaid = searcher.search(query, { k: 10, plaid: everything, rerankDepth: 1_000_000 });
      expect(plaid.map((h) => [h.id, h.score])).toEqual(exhaustive.map((h) => [h.id, h.score]));
    }
  });

  it('with the default knobs finds most of exhaustive top-10, and a filter only returns allowed documents', async () => {
    const index = await createPlaid();
    await index.upsert(documents('d', 300, 6));
    const searcher = new LateInteractionSearcher(index);
    let agree = 0;
    for (let q = 0; q < 10; q++) {
      const query = multiVector(clusteredRows(8, DIM, 24, 0.6, 700 + q), DIM);
      const exhaustive = new Set(searcher.search(query, { k: 10, exhaustive: true }).map((h) => h.id));
      const hits = searcher.search(query, { k: 10 });
      agree += hits.filter((h) => exhaustive.has(h.id)).length;
      const even = searcher.search(query, { k: 10, filter: (id) => id % 2 === 0 });
      expect(even.every((h) => h.internalId % 2 === 0)).toBe(true);
      expect(even.length).toBe(10);
    }
    expect(agree / 100).toBeGreaterThanOrEqual(0.8);
  });

  it('answers the same after a reopen, and rejects a knob that is not a positive integer', async () => {
    const index = await createPlaid(4);
    await index.upsert(documents('d', 100, 7));
    const query = multiVector(clusteredRows(8, DIM, 24, 0.6, 901), DIM);
    const before = new LateInteractionSearcher(index).search(query, { k: 10 });
    expect(() => new LateInteractionSearcher(index).search(query, { k: 10, plaid: { nprobe: 0 } })).toThrow(/PLAID nprobe must be a positive integer/);
    const dir = index.dir;
    await index.close();
    const reopened = await LateIndex.open(dir, { readOnly: true, graph: false });
    expect(new LateInteractionSearcher(reopened).search(query, { k: 10 })).toEqual(before);
    await reopened.close();
  });
});
