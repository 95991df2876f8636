import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runOk } from '../child-process.js';
import { LateIndex, OWNER_OVERFLOW_FACTOR } from '../../src/index/index.js';
import { vectorKey } from '../../src/index/token-vectors/distinct/vector-key.js';
import { dot, encoderIdentity, makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { cleanups, newDir } = useCleanups();

/** Rows picked from `pool` (count x dim) by index. */
function pick(pool: Float32Array, dim: number, indexes: readonly number[]): Float32Array {
  const out = new Float32Array(indexes.length * dim);
  indexes.forEach((p, r) => out.set(pool.subarray(p * dim, (p + 1) * dim), r * dim));
  return out;
}

/** A corpus where documents draw their rows from a small pool, Zipf-like, so most rows are duplicates. */
function duplicatedCorpus(seed: number, dim: number, poolSize: number, docs: number, rowsPerDoc: number): { pool: Float32Array; picks: number[][] } {
  const random = rng(seed);
  const pool = randomUnitRows(random, poolSize, dim);
  const picks = Array.from({ length: docs }, () =>
    Array.from({ length: rowsPerDoc }, () => Math.min(poolSize - 1, Math.floor(poolSize * random() ** 3))),
  );
  return { pool, picks };
}

interface DistinctRow {
  readonly row: Float32Array;
  readonly owners: number[];
}

/** Brute-force reference built only from the documents' stored rows: distinct rows (by exact float values), owners ascending. */
function distinctRows(index: LateIndex): DistinctRow[] {
  const byValue = new Map<string, { row: Float32Array; owners: Set<number> }>();
  for (const id of index.liveInternalIds()) {
    const v = index.readVectors(id)!;
    for (let r = 0; r < v.count; r++) {
      const row = v.data.slice(r * v.dim, (r + 1) * v.dim);
      const key = Buffer.from(row.buffer).toString('latin1');
      let entry = byValue.get(key);
      if (!entry) byValue.set(key, (entry = { row, owners: new Set() }));
      entry.owners.add(id);
    }
  }
  return [...byValue.values()].map((e) => ({ row: e.row, owners: [...e.owners].sort((a, b) => a - b) }));
}

/** Distinct rows by decreasing inner product with `query`. */
function rankBySimilarity(rows: readonly DistinctRow[], query: Float32Array): { similarity: number; owners: number[] }[] {
  return rows
    .map((d) => ({ similarity: dot(d.row, 0, query, 0, query.length), owners: d.owners }))
    .sort((a, b) => b.similarity - a.similarity);
}

/** The documented searchHnswDocuments rule applied to the exact ranking. */
function referenceDocuments(ranked: { similarity: number; owners: number[] }[], maxDocuments: number): { internalId: number; similarity: number }[] {
  const out: { internalId: number; similarity: number }[] = [];
  const seen = new Set<number>();
  for (const { similarity, owners } of ranked) {
    if (out.length >= maxDocuments) break;
    for (const owner of owners) {
      if (out.length >= maxDocuments * OWNER_OVERFLOW_FACTOR) break;
      if (seen.has(owner)) continue;
      seen.add(owner);
      out.push({ internalId: owner, similarity });
    }
  }
  return out;
}

describe('HNSW over distinct stored vectors', () => {
  it('two documents sharing vectors share one graph element; the element lives until its last owner goes', async () => {
    const dim = 8;
    const random = rng(61);
    const pool = randomUnitRows(random, 4, dim);
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(dim) });
    cleanups.push(() => index.close());
    // a: rows 0, 1, 1; b: rows 1, 2. Row 1 is shared (and repeated inside a).
    await index.upsert([makeDoc('a', pick(pool, dim, [0, 1, 1]), dim), makeDoc('b', pick(pool, dim, [1, 2]), dim)]);
    expect(index.counts().vectors).toBe(5);
    expect(index.inspect().distinct().distinctVectors).toBe(3);
    expect(index.inspect().distinct().graphStats()).toMatchObject({ live: 3, tombstones: 0, elements: 3 });
    const la = index.inspect().distinct().rowLabels(0)!;
    const lb = index.inspect().distinct().rowLabels(1)!;
    expect(la[1]).toBe(la[2]);
    expect(lb[0]).toBe(la[1]);
    expect(Array.from(index.inspect().distinct().labelOwners(la[1]!)!)).toEqual([0, 1]);
    expect(Array.from(index.inspect().distinct().labelOwners(la[0]!)!)).toEqual([0]);
    // MaxSim still reads each document's own rows, repeats included.
    expect(index.readVectors(0)!.count).toBe(3);
    // The shared vector's hits: one per owner, owners ascending.
    const shared = pool.subarray(dim, 2 * dim);
    expect(index.inspect().distinct().nearestOwners(shared, 1, 16).map((h) => h.internalId)).toEqual([0, 1]);

    await index.delete(['a']);
    expect(index.inspect().distinct().graphStats()).toMatchObject({ live: 2, tombstones: 1 });
    expect(Array.from(index.inspect().distinct().labelOwners(lb[0]!)!)).toEqual([1]);
    expect(index.inspect().distinct().labelOwners(la[0]!)).toBeUndefined();
    expect(index.inspect().distinct().nearestOwners(shared, 1, 16).map((h) => h.internalId)).toEqual([1]);
    expect(index.verify().problems).toEqual([]);

    await index.delete(['b']);
    expect(index.inspect().distinct().graphStats()).toMatchObject({ live: 0, tombstones: 3 });
    expect(index.inspect().distinct().labelOwners(lb[0]!)).toBeUndefined();
    expect(index.verify().problems).toEqual([]);

    // The same vector added again is a new label (labels are never reused) that takes a tombstoned slot.
    await index.upsert([makeDoc('c', pick(pool, dim, [1]), dim)]);
    expect(index.inspect().distinct().rowLabels(index.getInternalId('c')!)![0]).toBeGreaterThan(lb[1]!);
    expect(index.inspect().distinct().graphStats()).toMatchObject({ live: 1, tombstones: 2, elements: 3 });
    expect(index.verify().problems).toEqual([]);
  });

  it('an update that keeps a shared vector keeps its label; one that drops the last use retires it', async () => {
    const dim = 8;
    const pool = randomUnitRows(rng(62), 5, dim);
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(dim) });
    cleanups.push(() => index.close());
    await index.upsert([makeDoc('a', pick(pool, dim, [0, 1]), dim), makeDoc('b', pick(pool, dim, [1]), dim)]);
    const [l0, l1] = Array.from(index.inspect().distinct().rowLabels(0)!);
    await index.upsert([makeDoc('a', pick(pool, dim, [1, 3]), dim)]);
    expect(index.inspect().distinct().rowLabels(0)![0]).toBe(l1);
    expect(Array.from(index.inspect().distinct().labelOwners(l1!)!)).toEqual([0, 1]);
    expect(index.inspect().distinct().labelOwners(l0!)).toBeUndefined();
    // Within one batch: b drops vector 1 while new doc c starts using it; a keeps it.
    await index.upsert([makeDoc('b', pick(pool, dim, [4]), dim), makeDoc('c', pick(pool, dim, [1, 1]), dim)]);
    expect(Array.from(index.inspect().distinct().labelOwners(l1!)!)).toEqual([0, 2]);
    expect(index.inspect().distinct().distinctVectors).toBe(3);
    expect(index.verify().problems).toEqual([]);
  });

  it('searchHnswDocuments follows the documented rule, against brute force on heavily duplicated data', async () => {
    const dim = 16;
    const { pool, picks } = duplicatedCorpus(63, dim, 300, 400, 12);
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(dim), hnsw: { m: 16, efConstruction: 200 } });
    cleanups.push(() => index.close());
    await index.upsert(picks.map((p, d) => makeDoc(`d${d}`, pick(pool, dim, p), dim)));
    await index.delete(['d3', 'd10', 'd11']);
    const distinctUsed = new Set(picks.filter((_, d) => ![3, 10, 11].includes(d)).flat()).size;
    expect(index.inspect().distinct().distinctVectors).toBe(distinctUsed);
    expect(index.counts().vectors).toBe(397 * 12);

    const queries = randomUnitRows(rng(64), 20, dim);
    const rows = distinctRows(index);
    expect(rows.length).toBe(distinctUsed);
    let checkedOverflow = false;
    for (let q = 0; q < 20; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const ranked = rankBySimilarity(rows, query);
      for (const maxDocuments of [1, 5, 40]) {
        // ef = every distinct vector: the graph search is exact on this small index.
        const got = index.searchHnswDocuments(query, maxDocuments, 400);
        const want = referenceDocuments(ranked, maxDocuments);
        expect(got.map((h) => h.internalId)).toEqual(want.map((h) => h.internalId));
        got.forEach((h, i) => expect(h.similarity).toBeCloseTo(want[i]!.similarity, 5));
        if (got.length > maxDocuments) checkedOverflow = true;
      }
      // nearestOwners: one hit per (vector, owner) for the k nearest distinct vectors.
      const hits = index.inspect().distinct().nearestOwners(query, 3, 400);
      const expected = ranked.slice(0, 3).flatMap((e) => e.owners.map((o) => ({ internalId: o, similarity: e.similarity })));
      expect(hits.map((h) => h.internalId)).toEqual(expected.map((h) => h.internalId));
    }
    // Popular vectors have many owners: some query must have taken a whole owner list past maxDocuments.
    expect(checkedOverflow).toBe(true);
    // The cap: a vector owned by hundreds of documents yields at most OWNER_OVERFLOW_FACTOR x maxDocuments.
    const popular = pool.subarray(0, dim);
    expect(index.inspect().distinct().labelOwners(index.inspect().distinct().nearestLabels(popular, 1, 64).labels[0]!)!.length).toBeGreaterThan(50);
    expect(index.searchHnswDocuments(popular, 5, 64).length).toBe(5 * OWNER_OVERFLOW_FACTOR);
    // Asking for more documents than exist returns every live document once.
    expect(new Set(index.searchHnswDocuments(popular, 5000, 400).map((h) => h.internalId)).size).toBe(397);
  });

  it('recall@10 over distinct vectors stays high on duplicated data', async () => {
    const dim = 24;
    const { pool, picks } = duplicatedCorpus(65, dim, 3000, 800, 20);
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(dim) });
    cleanups.push(() => index.close());
    for (let i = 0; i < picks.length; i += 200) {
      await index.upsert(picks.slice(i, i + 200).map((p, j) => makeDoc(`d${i + j}`, pick(pool, dim, p), dim)));
    }
    expect(index.inspect().distinct().graphStats().live).toBe(index.inspect().distinct().distinctVectors);
    expect(index.inspect().distinct().distinctVectors).toBeLessThan(index.counts().vectors / 4);
    const queries = randomUnitRows(rng(66), 100, dim);
    const rows = distinctRows(index);
    expect(rows.length).toBe(index.inspect().distinct().distinctVectors);
    let found = 0;
    for (let q = 0; q < 100; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const truth = rankBySimilarity(rows, query)
        .slice(0, 10)
        .map((e) => e.similarity);
      const { similarities } = index.inspect().distinct().nearestLabels(query, 10);
      found += similarities.filter((s) => truth.some((t) => Math.abs(t - s) < 1e-5)).length;
    }
    expect(found / 1000).toBeGreaterThanOrEqual(0.95);
  });

  it('rebuild and crash catch-up reproduce the same distinct graph and owner lists', async () => {
    const dim = 8;
    const dir = newDir();
    const pool = randomUnitRows(rng(67), 6, dim);
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(dim) });
    await index.upsert([makeDoc('a', pick(pool, dim, [0, 1]), dim), makeDoc('b', pick(pool, dim, [1, 2]), dim)]);
    await index.close();
    const script = join(dirname(dir), 'crash.mts');
    writeFileSync(
      script,
      `import { LateIndex } from ${JSON.stringify(join(repoRoot, 'src/index/late-index.ts'))};
const pool = new Float32Array(${JSON.stringify(Array.from(pool))});
const rows = (...ps) => { const d = new Float32Array(ps.length * ${dim}); ps.forEach((p, r) => d.set(pool.subarray(p * ${dim}, (p + 1) * ${dim}), r * ${dim})); return { dim: ${dim}, count: ps.length, data: d }; };
const index = await LateIndex.open(${JSON.stringify(dir)});
await index.upsert([{ id: 'c', vectors: rows(2, 3) }, { id: 'a', vectors: rows(1, 4) }]);
await index.delete(['b']);
process.exit(0);
`,
    );
    await runOk(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot });
    const expectState = (idx: LateIndex): void => {
      // Live vectors: 1 (a), 4 (a), 2 (c), 3 (c); vector 0 retired with a's update.
      expect(idx.inspect().distinct().distinctVectors).toBe(4);
      expect(idx.inspect().distinct().graphStats().live).toBe(4);
      for (const [p, owner] of [
        [1, 'a'],
        [4, 'a'],
        [2, 'c'],
        [3, 'c'],
      ] as const) {
        const hits = idx.inspect().distinct().nearestOwners(pool.subarray(p * dim, (p + 1) * dim), 1, 16);
        expect(hits.map((h) => h.internalId)).toEqual([idx.getInternalId(owner)]);
        expect(hits[0]!.similarity).toBeCloseTo(1, 2);
      }
      const top = idx.inspect().distinct().nearestLabels(pool.subarray(0, dim), 4, 16);
      expect(top.similarities[0]!).toBeLessThan(0.999);
      expect(idx.verify().problems).toEqual([]);
    };
    const caughtUp = await LateIndex.open(dir, { readOnly: true });
    expect(caughtUp.inspect().distinct().graphOrigin).toBe('caught-up');
    expectState(caughtUp);
    await caughtUp.close();
    rmSync(join(dir, 'hnsw.bin'));
    const rebuilt = await LateIndex.open(dir);
    expect(rebuilt.inspect().distinct().graphOrigin).toBe('rebuilt:missing');
    expectState(rebuilt);
    await rebuilt.compact();
    expectState(rebuilt);
    await rebuilt.close();
    const loaded = await LateIndex.open(dir, { readOnly: true });
    cleanups.push(() => loaded.close());
    expect(loaded.inspect().distinct().graphOrigin).toBe('loaded');
    expectState(loaded);
  });

  it('equal quantized rows get equal keys; a one-bit change gives a different key', () => {
    const rows = randomUnitRows(rng(68), 200, 10);
    const words = new Uint32Array(rows.buffer);
    const keys = new Set<string>();
    const out = new Uint8Array(16);
    for (let r = 0; r < 200; r++) {
      vectorKey(words, r * 10, 10, out);
      keys.add(Buffer.from(out).toString('hex'));
    }
    expect(keys.size).toBe(200);
    const copy = Uint32Array.from(words.subarray(0, 10));
    vectorKey(copy, 0, 10, out);
    const again = Buffer.from(out).toString('hex');
    expect(keys.has(again)).toBe(true);
    copy[9]! ^= 1;
    vectorKey(copy, 0, 10, out);
    expect(Buffer.from(out).toString('hex')).not.toBe(again);
  });
});
