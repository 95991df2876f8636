import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runOk } from '../child-process.js';
import { LateIndex } from '../../src/index/late-index.js';
import { dot, encoderIdentity, fields, makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

const { cleanups, newDir } = useCleanups();

/** Brute-force top-k labels by inner product over every live document's decoded vectors. */
function bruteForceLabels(index: LateIndex, query: Float32Array, k: number): number[] {
  const scored: { label: number; score: number }[] = [];
  for (const id of index.liveInternalIds()) {
    const v = index.readVectors(id)!;
    const labels = index.inspect().distinct().rowLabels(id)!;
    for (let r = 0; r < v.count; r++) scored.push({ label: labels[r]!, score: dot(v.data, r * v.dim, query, 0, v.dim) });
  }
  scored.sort((a, b) => b.score - a.score);
  return [...new Set(scored.map((s) => s.label))].slice(0, k);
}

describe('nearest distinct vectors and their owners', () => {
  it('recall@10 against brute force is >= 0.95 on random unit vectors', async () => {
    const dim = 32;
    const random = rng(11);
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(dim), hnsw: { efConstruction: 100, m: 16 } });
    cleanups.push(() => index.close());
    const docs = [];
    for (let d = 0; d < 500; d++) docs.push(makeDoc(`d${d}`, randomUnitRows(random, 1 + (d % 7), dim), dim));
    for (let i = 0; i < docs.length; i += 128) await index.upsert(docs.slice(i, i + 128));
    // Update and delete a slice so the graph holds tombstones and reused slots.
    await index.upsert(docs.slice(0, 50).map((d, i) => makeDoc(d.id, randomUnitRows(random, 3, dim), dim, fields({ text: `v2 ${i}` }))));
    await index.delete(docs.slice(50, 80).map((d) => d.id));
    const deletedIds = new Set(docs.slice(50, 80).map((d) => index.getInternalId(d.id)));
    expect(index.counts().documents).toBe(470);

    let found = 0;
    const queries = randomUnitRows(random, 50, dim);
    for (let q = 0; q < 50; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const truth = bruteForceLabels(index, query, 10);
      const { labels, similarities } = index.inspect().distinct().nearestLabels(query, 10, 100);
      expect(labels.length).toBe(10);
      // Similarities are inner products of the stored (float16-decoded) vectors.
      expect(similarities[0]!).toBeGreaterThanOrEqual(similarities[9]!);
      const truthSet = new Set(truth);
      found += labels.filter((l) => truthSet.has(l)).length;

      // Document hits: one per vector, best first, never a deleted document, similarity = a stored row's dot.
      const hits = index.inspect().distinct().nearestOwners(query, 10, 100);
      expect(hits.length).toBe(10);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.similarity).toBeGreaterThanOrEqual(hits[i]!.similarity);
      for (const hit of hits) {
        expect(deletedIds.has(hit.internalId)).toBe(false);
        const v = index.readVectors(hit.internalId)!;
        let closest = Infinity;
        for (let r = 0; r < v.count; r++) closest = Math.min(closest, Math.abs(dot(v.data, r * dim, query, 0, dim) - hit.similarity));
        expect(closest).toBeLessThan(1e-4);
      }
    }
    expect(found / 500).toBeGreaterThanOrEqual(0.95);
  });

  it('asking for more neighbours than stored vectors returns every live vector', async () => {
    const dim = 8;
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(dim) });
    cleanups.push(() => index.close());
    const random = rng(12);
    await index.upsert([makeDoc('a', randomUnitRows(random, 2, dim), dim), makeDoc('b', randomUnitRows(random, 1, dim), dim)]);
    const hits = index.inspect().distinct().nearestOwners(randomUnitRows(random, 1, dim), 5000);
    expect(hits.map((h) => h.internalId).sort()).toEqual([0, 0, 1]);
  });
});

describe('hnsw.bin is derived from LMDB', () => {
  const dim = 16;

  async function buildIndex(dir: string, n: number, seed: number): Promise<Float32Array[]> {
    const random = rng(seed);
    const rows = Array.from({ length: n }, () => randomUnitRows(random, 2, dim));
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(dim) });
    await index.upsert(rows.map((r, i) => makeDoc(`doc${i}`, r, dim)));
    await index.close();
    return rows;
  }

  /** Every document's first row finds that document first. */
  function expectSelfRetrieval(index: LateIndex, rows: Float32Array[], idPrefix = 'doc'): void {
    rows.forEach((r, i) => {
      const hit = index.inspect().distinct().nearestOwners(r.subarray(0, dim), 4, 64)[0];
      expect(hit?.internalId).toBe(index.getInternalId(`${idPrefix}${i}`));
    });
  }

  it('loads a current hnsw.bin without rebuilding', async () => {
    const dir = newDir();
    const rows = await buildIndex(dir, 40, 21);
    const index = await LateIndex.open(dir);
    cleanups.push(() => index.close());
    expect(index.inspect().distinct().graphOrigin).toBe('loaded');
    expectSelfRetrieval(index, rows);
  });

  it('rebuilds when hnsw.bin or its sidecar is missing', async () => {
    const dir = newDir();
    const rows = await buildIndex(dir, 40, 22);
    rmSync(join(dir, 'hnsw.bin'));
    const index = await LateIndex.open(dir);
    expect(index.inspect().distinct().graphOrigin).toBe('rebuilt:missing');
    expectSelfRetrieval(index, rows);
    await index.close();
    rmSync(join(dir, 'hnsw.json'));
    const again = await LateIndex.open(dir);
    expect(again.inspect().distinct().graphOrigin).toBe('rebuilt:missing');
    await again.close();
    // The rebuilt graph was saved when it was rebuilt, so the next open loads it.
    const third = await LateIndex.open(dir);
    cleanups.push(() => third.close());
    expect(third.inspect().distinct().graphOrigin).toBe('loaded');
    expectSelfRetrieval(third, rows);
  });

  it('rebuilds when hnsw.bin is corrupt (flipped bytes, truncation, bad sidecar)', async () => {
    const dir = newDir();
    const rows = await buildIndex(dir, 40, 23);
    const file = join(dir, 'hnsw.bin');
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    for (let i = 0; i < 64; i++) flipped[(i * 997) % flipped.length]! ^= 0xff;
    const variants: [string, () => void][] = [
      ['flipped', () => writeFileSync(file, flipped)],
      ['truncated', () => writeFileSync(file, original.subarray(0, original.length >> 1))],
      ['sidecar', () => writeFileSync(join(dir, 'hnsw.json'), '{"sequence": ')],
    ];
    for (const [, damage] of variants) {
      damage();
      const index = await LateIndex.open(dir, { readOnly: true });
      expect(index.inspect().distinct().graphOrigin).toBe('rebuilt:corrupt');
      expectSelfRetrieval(index, rows);
      await index.close();
      // A read-only open saves the graph it rebuilt (LMDB untouched): the next open, writable or not, loads it.
      const repaired = await LateIndex.open(dir);
      expect(repaired.inspect().distinct().graphOrigin).toBe('loaded');
      expectSelfRetrieval(repaired, rows);
      await repaired.close();
    }
  });

  it('rebuilds when hnsw.bin is older than LMDB (stale sequence)', async () => {
    const dir = newDir();
    const rows = await buildIndex(dir, 30, 24);
    copyFileSync(join(dir, 'hnsw.bin'), join(dir, 'old.bin'));
    copyFileSync(join(dir, 'hnsw.json'), join(dir, 'old.json'));
    const index = await LateIndex.open(dir);
    const random = rng(25);
    const extra = Array.from({ length: 10 }, () => randomUnitRows(random, 2, dim));
    await index.upsert(extra.map((r, i) => makeDoc(`new${i}`, r, dim)));
    await index.delete(['doc0']);
    await index.close();
    copyFileSync(join(dir, 'old.bin'), join(dir, 'hnsw.bin'));
    copyFileSync(join(dir, 'old.json'), join(dir, 'hnsw.json'));
    const reopened = await LateIndex.open(dir);
    cleanups.push(() => reopened.close());
    expect(reopened.inspect().distinct().graphOrigin).toBe('rebuilt:stale');
    expectSelfRetrieval(reopened, extra, 'new');
    expect(reopened.inspect().distinct().nearestOwners(rows[0]!.subarray(0, dim), 10, 64).map((h) => h.internalId)).not.toContain(0);
  });

  it('a process that writes and dies without flushing loses nothing: the next open catches the graph up', async () => {
    const dir = newDir();
    const rows = await buildIndex(dir, 20, 26);
    const script = join(dirname(dir), 'crash.mts');
    const lateIndexModule = join(repoRoot, 'src/index/late-index.ts');
    writeFileSync(
      script,
      `import { LateIndex } from ${JSON.stringify(lateIndexModule)};
const dim = ${dim};
const unit = (i) => { const data = new Float32Array(dim); data[i] = 1; return { dim, count: 1, data }; };
const index = await LateIndex.open(${JSON.stringify(dir)});
const docs = [];
for (let i = 0; i < 5; i++) docs.push({ id: 'crash' + i, vectors: unit(i) });
await index.upsert(docs);
await index.upsert([{ id: 'doc1', vectors: unit(10) }]);
await index.delete(['doc2']);
process.exit(0); // no flush, no close
`,
    );
    await runOk(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot });
    for (const expectedOrigin of ['caught-up', 'rebuilt:missing'] as const) {
      if (expectedOrigin === 'rebuilt:missing') rmSync(join(dir, 'hnsw.bin'));
      const index = await LateIndex.open(dir, { readOnly: true });
      expect(index.inspect().distinct().graphOrigin).toBe(expectedOrigin);
      expect(index.counts()).toMatchObject({ documents: 24, vectors: 20 * 2 - 2 - 2 + 1 + 5 });
      for (let i = 0; i < 5; i++) {
        const query = new Float32Array(dim);
        query[i] = 1;
        const hit = index.inspect().distinct().nearestOwners(query, 3, 64)[0]!;
        expect(hit.internalId).toBe(index.getInternalId(`crash${i}`));
        expect(hit.similarity).toBeCloseTo(1, 3);
      }
      const e10 = new Float32Array(dim);
      e10[10] = 1;
      expect(index.inspect().distinct().nearestOwners(e10, 3, 64)[0]).toMatchObject({ internalId: 1 });
      // Old vectors of the updated and the deleted document are gone from the graph.
      for (const old of [rows[1]!, rows[2]!]) {
        for (let r = 0; r < 2; r++) {
          const hits = index.inspect().distinct().nearestOwners(old.subarray(r * dim, (r + 1) * dim), 10, 64);
          expect(hits.map((h) => h.internalId)).not.toContain(2);
          expect(hits.filter((h) => h.internalId === 1 && h.similarity > 0.999)).toEqual([]);
        }
      }
      for (let i = 3; i < rows.length; i++) {
        expect(index.inspect().distinct().nearestOwners(rows[i]!.subarray(0, dim), 4, 64)[0]?.internalId).toBe(index.getInternalId(`doc${i}`));
      }
      await index.close();
    }
  });
});

describe('a rebuilt graph is saved, and verify says what opening found of hnsw.bin', () => {
  const dim = 16;

  async function buildIndex(dir: string, seed: number): Promise<Float32Array[]> {
    const random = rng(seed);
    const rows = Array.from({ length: 30 }, () => randomUnitRows(random, 2, dim));
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(dim) });
    await index.upsert(rows.map((r, i) => makeDoc(`doc${i}`, r, dim)));
    await index.close();
    return rows;
  }

  it('a read-only open that rebuilds a missing graph saves it: the second open loads it; verify leaves the directory alone', async () => {
    const dir = newDir();
    const rows = await buildIndex(dir, 31);
    rmSync(join(dir, 'hnsw.bin'));
    const verifying = await LateIndex.open(dir, { readOnly: true, saveRebuiltGraph: false });
    const report = verifying.verify();
    await verifying.close();
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([
      'hnsw.bin cannot be used (missing: hnsw.bin does not exist); the next open rebuilds the graph from LMDB and saves it',
    ]);
    expect(existsSync(join(dir, 'hnsw.bin'))).toBe(false);

    const first = await LateIndex.open(dir, { readOnly: true });
    expect(first.inspect().distinct().graphOrigin).toBe('rebuilt:missing');
    await first.close();
    expect(existsSync(join(dir, 'hnsw.bin'))).toBe(true);
    const second = await LateIndex.open(dir, { readOnly: true });
    cleanups.push(() => second.close());
    expect(second.inspect().distinct().graphOrigin).toBe('loaded');
    expect(second.verify()).toMatchObject({ ok: true, problems: [], warnings: [] });
    rows.forEach((r, i) => expect(second.inspect().distinct().nearestOwners(r.subarray(0, dim), 4, 64)[0]?.internalId).toBe(second.getInternalId(`doc${i}`)));
  });

  it('verify warns about a stale graph and one behind LMDB', async () => {
    const dir = newDir();
    await buildIndex(dir, 32);
    copyFileSync(join(dir, 'hnsw.bin'), join(dir, 'old.bin'));
    copyFileSync(join(dir, 'hnsw.json'), join(dir, 'old.json'));
    const writer = await LateIndex.open(dir);
    await writer.upsert([makeDoc('late', randomUnitRows(rng(33), 2, dim), dim)]);
    await writer.close();
    // The old graph is one commit behind, but the close pruned the log it would be caught up from.
    copyFileSync(join(dir, 'old.bin'), join(dir, 'hnsw.bin'));
    copyFileSync(join(dir, 'old.json'), join(dir, 'hnsw.json'));
    const stale = await LateIndex.open(dir, { readOnly: true, saveRebuiltGraph: false });
    const staleReport = stale.verify();
    await stale.close();
    expect(staleReport.ok).toBe(true);
    expect(staleReport.warnings).toEqual([
      'hnsw.bin cannot be used (stale: it reflects LMDB sequence 1 (next label 60); LMDB is at sequence 2 (next label 62) and keeps the log of ' +
        'retired labels after sequence 2 only); the next open rebuilds the graph from LMDB and saves it',
    ]);
    // A writer that stops without saving leaves the graph behind, and the log that catches it up.
    const script = join(dirname(dir), 'unsaved.mts');
    writeFileSync(
      script,
      `import { LateIndex } from ${JSON.stringify(join(repoRoot, 'src/index/late-index.ts'))};
const index = await LateIndex.open(${JSON.stringify(dir)});
const data = new Float32Array(${dim}); data[3] = 1;
await index.upsert([{ id: 'unsaved', vectors: { dim: ${dim}, count: 1, data } }]);
process.exit(0);
`,
    );
    await runOk(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot });
    const behind = await LateIndex.open(dir, { readOnly: true, saveRebuiltGraph: false });
    cleanups.push(() => behind.close());
    expect(behind.inspect().distinct().graphOrigin).toBe('caught-up');
    expect(behind.verify()).toMatchObject({
      ok: true,
      warnings: [
        'hnsw.bin reflects LMDB sequence 2, 1 commit behind: every open catches it up from the log until a writer saves the graph (the last writer stopped without saving it)',
      ],
    });
  });
});
