import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/late-index.js';
import { IndexFormatError, InputError } from '../../src/shared/index.js';
import { encoderIdentity, fields, makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const DIM = 16;
const { cleanups, newDir } = useCleanups();

describe('LateIndex upsert / delete / reopen', () => {
  it('stores documents and reads them back across a reopen', async () => {
    const dir = newDir();
    const random = rng(1);
    const a = randomUnitRows(random, 3, DIM);
    const b = randomUnitRows(random, 5, DIM);
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM), quantization: 'float32' });
    const result = await index.upsert([
      makeDoc('a', a, DIM, { ...fields({ title: 'Alpha', text: 'first' }), metadata: { year: 2020, tags: ['x'] }, terms: ['cat', 'dog'], stepCounts: [6, 3] }),
      makeDoc('b', b, DIM, { ...fields({ text: 'second' }), terms: ['dog', 'dog', 'eel'], stepCounts: [9, 5] }),
    ]);
    expect(result).toEqual({ inserted: 2, updated: 0 });
    expect(index.sequence()).toBe(1);
    await index.close();

    const reopened = await LateIndex.open(dir, { encoder: encoderIdentity(DIM) });
    cleanups.push(() => reopened.close());
    expect(reopened.inspect().distinct().graphOrigin).toBe('loaded');
    expect(reopened.counts()).toEqual({ documents: 2, vectors: 8, vectorBytes: 8 * DIM * 4 });
    expect(reopened.stepCounts()).toEqual([15, 8]);
    expect(reopened.documentFrequency('dog')).toBe(2);
    expect(reopened.documentFrequency('cat')).toBe(1);
    expect(reopened.documentFrequency('eel')).toBe(1);
    expect(reopened.documentFrequency('fox')).toBe(0);
    const ia = reopened.getInternalId('a')!;
    const ib = reopened.getInternalId('b')!;
    expect([ia, ib]).toEqual([0, 1]);
    expect(reopened.getDocument(ia)).toEqual({ internalId: ia, id: 'a', title: 'Alpha', text: 'first', metadata: { year: 2020, tags: ['x'] } });
    expect(reopened.getDocument(ib)).toEqual({ internalId: ib, id: 'b', text: 'second' });
    const va = reopened.readVectors(ia)!;
    expect(va.count).toBe(3);
    expect(Array.from(va.data)).toEqual(Array.from(a));
    // A large enough `out` is reused; the result is a view of it.
    const out = new Float32Array(100 * DIM);
    const vb = reopened.readVectors(ib, out)!;
    expect(vb.data.buffer).toBe(out.buffer);
    expect(Array.from(vb.data)).toEqual(Array.from(b));
    expect([...reopened.liveInternalIds()]).toEqual([0, 1]);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'lateindex', formatVersion: 2, quantization: 'float32', reduction: 'none', encoder: encoderIdentity(DIM) });
    expect(manifest.counts).toEqual({ documents: 2, vectors: 8, vectorBytes: 8 * DIM * 4 });
  });

  it('update keeps the internal id and replaces vectors, counts, step counts and df', async () => {
    const dir = newDir();
    const random = rng(2);
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM) });
    await index.upsert([
      makeDoc('a', randomUnitRows(random, 4, DIM), DIM, { terms: ['cat', 'dog'], stepCounts: [10, 4] }),
      makeDoc('b', randomUnitRows(random, 2, DIM), DIM, { terms: ['dog'], stepCounts: [5, 2] }),
    ]);
    const replacement = randomUnitRows(random, 6, DIM);
    const result = await index.upsert([makeDoc('a', replacement, DIM, { ...fields({ title: 'new' }), terms: ['eel'], stepCounts: [12, 6] })]);
    expect(result).toEqual({ inserted: 0, updated: 1 });
    expect(index.getInternalId('a')).toBe(0);
    expect(index.counts()).toEqual({ documents: 2, vectors: 8, vectorBytes: 8 * DIM * 2 });
    expect(index.stepCounts()).toEqual([17, 8]);
    expect(index.documentFrequency('cat')).toBe(0);
    expect(index.documentFrequency('dog')).toBe(1);
    expect(index.documentFrequency('eel')).toBe(1);
    expect(index.getDocument(0)).toEqual({ internalId: 0, id: 'a', title: 'new' });
    // 4 + 2 vectors added, a's 4 tombstoned, then its 6 new ones reuse those 4 slots and take 2 more.
    expect(index.inspect().distinct().graphStats()).toMatchObject({ live: 8, tombstones: 0, elements: 8 });
    const stored = index.readVectors(0)!;
    expect(stored.count).toBe(6);
    for (let i = 0; i < replacement.length; i++) expect(Math.abs(stored.data[i]! - replacement[i]!)).toBeLessThanOrEqual(2 ** -12);
    // The old vectors are gone from HNSW: each new row finds document a, and all hits are the 6 + 2 live rows.
    for (let r = 0; r < 6; r++) {
      const hits = index.inspect().distinct().nearestOwners(replacement.subarray(r * DIM, (r + 1) * DIM), 20, 50);
      expect(hits[0]!.internalId).toBe(0);
      expect(hits[0]!.similarity).toBeCloseTo(1, 2);
      expect(hits.filter((h) => h.internalId === 0).length).toBe(6);
      expect(hits.filter((h) => h.internalId === 1).length).toBe(2);
    }
    await index.close();
  });

  it('a batch with a repeated id stores the last occurrence once', async () => {
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM), quantization: 'float32' });
    const random = rng(3);
    const last = randomUnitRows(random, 2, DIM);
    const result = await index.upsert([makeDoc('x', randomUnitRows(random, 5, DIM), DIM, { terms: ['t'] }), makeDoc('x', last, DIM, { terms: ['t'] })]);
    expect(result).toEqual({ inserted: 1, updated: 0 });
    expect(index.counts().vectors).toBe(2);
    expect(index.documentFrequency('t')).toBe(1);
    expect(Array.from(index.readVectors(0)!.data)).toEqual(Array.from(last));
    await index.close();
  });

  it('delete removes documents, reports missing ids and survives a reopen', async () => {
    const dir = newDir();
    const random = rng(4);
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM), quantization: 'int8' });
    const rows = ['a', 'b', 'c'].map(() => randomUnitRows(random, 3, DIM));
    await index.upsert([
      makeDoc('a', rows[0]!, DIM, { terms: ['x', 'y'], stepCounts: [3] }),
      makeDoc('b', rows[1]!, DIM, { terms: ['y'], stepCounts: [3] }),
      makeDoc('c', rows[2]!, DIM, { terms: ['y', 'z'], stepCounts: [3] }),
    ]);
    const seq = index.sequence();
    expect(await index.delete(['b', 'nope', 'b'])).toEqual({ deleted: ['b'], missing: ['nope'] });
    expect(index.sequence()).toBe(seq + 1);
    expect(await index.delete(['nope'])).toEqual({ deleted: [], missing: ['nope'] });
    expect(index.sequence()).toBe(seq + 1);
    const check = (idx: LateIndex): void => {
      expect(idx.counts()).toEqual({ documents: 2, vectors: 6, vectorBytes: 6 * (DIM + 4) });
      expect(idx.stepCounts()).toEqual([6]);
      expect(idx.documentFrequency('y')).toBe(2);
      expect(idx.documentFrequency('x')).toBe(1);
      expect(idx.getInternalId('b')).toBeUndefined();
      expect(idx.getDocument(1)).toBeUndefined();
      expect(idx.readVectors(1)).toBeUndefined();
      expect([...idx.liveInternalIds()]).toEqual([0, 2]);
      for (let r = 0; r < 3; r++) {
        const hits = idx.inspect().distinct().nearestOwners(rows[1]!.subarray(r * DIM, (r + 1) * DIM), 9, 50);
        expect(hits.map((h) => h.internalId)).not.toContain(1);
      }
    };
    check(index);
    await index.close();
    const reopened = await LateIndex.open(dir);
    check(reopened);
    // A re-added id gets a fresh internal id: internal ids are never reused or renumbered.
    expect(await reopened.upsert([makeDoc('b', rows[1]!, DIM)])).toEqual({ inserted: 1, updated: 0 });
    expect(reopened.getInternalId('b')).toBe(3);
    expect(reopened.getInternalId('c')).toBe(2);
    await reopened.close();
  });

  it('concurrent flushes and writes end with files that match LMDB', async () => {
    const dir = newDir();
    const random = rng(13);
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM) });
    await index.upsert([makeDoc('a', randomUnitRows(random, 3, DIM), DIM)]);
    const first = index.flush();
    await index.upsert([makeDoc('b', randomUnitRows(random, 2, DIM), DIM)]);
    const second = index.flush();
    await index.delete(['a']);
    await Promise.all([first, second, index.flush()]);
    await index.close();
    const reopened = await LateIndex.open(dir);
    cleanups.push(() => reopened.close());
    expect(reopened.inspect().distinct().graphOrigin).toBe('loaded');
    expect(reopened.counts()).toMatchObject({ documents: 1, vectors: 2 });
    expect(reopened.verify().problems).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).counts).toMatchObject({ documents: 1, vectors: 2 });
  });

  it('documents with zero vectors are stored and never returned by HNSW', async () => {
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM) });
    await index.upsert([makeDoc('empty', new Float32Array(0), DIM, fields({ text: 'nothing to embed' }))]);
    expect(index.readVectors(0)).toMatchObject({ count: 0, dim: DIM });
    expect(index.inspect().distinct().nearestOwners(randomUnitRows(rng(5), 1, DIM), 5)).toEqual([]);
    await index.close();
  });
});

describe('LateIndex validation errors', () => {
  it('rejects vectors of the wrong dim naming the document, and writes nothing', async () => {
    const index = await LateIndex.create(newDir(), { encoder: encoderIdentity(DIM) });
    const good = makeDoc('good', randomUnitRows(rng(6), 2, DIM), DIM);
    const bad = makeDoc('doc-42', randomUnitRows(rng(6), 2, 8), 8);
    const err = await index.upsert([good, bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain('doc-42');
    expect((err as InputError).message).toContain('dim 8');
    expect(index.counts().documents).toBe(0);
    expect(index.sequence()).toBe(0);
    const nan = new Float32Array(DIM);
    nan[3] = Number.NaN;
    await expect(index.upsert([makeDoc('nan-doc', nan, DIM)])).rejects.toThrow(/nan-doc.*non-finite/);
    await expect(index.upsert([makeDoc('x'.repeat(2000), new Float32Array(DIM), DIM)])).rejects.toMatchObject({ field: 'id' });
    await expect(index.upsert([makeDoc('long-term', new Float32Array(DIM), DIM, { terms: ['y'.repeat(3000)] })])).rejects.toThrow(
      /long-term.*1024 bytes/,
    );
    const short = makeDoc('short', randomUnitRows(rng(6), 2, DIM), DIM);
    await expect(index.upsert([{ ...short, vectors: { ...short.vectors, count: 3 } }])).rejects.toThrow(/"short".*count 3 x dim 16/);
    expect(index.counts().documents).toBe(0);
    await index.close();
  });

  it('create refuses an existing index and a non-empty directory', async () => {
    const dir = newDir();
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM) });
    await index.close();
    expect(LateIndex.isIndex(dir)).toBe(true);
    await expect(LateIndex.create(dir, { encoder: encoderIdentity(DIM) })).rejects.toMatchObject({ code: 'index_exists' });
    const other = newDir();
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'notes.txt'), 'hello');
    expect(LateIndex.isIndex(other)).toBe(false);
    await expect(LateIndex.create(other, { encoder: encoderIdentity(DIM) })).rejects.toMatchObject({ code: 'directory_not_empty' });
  });

  it('open: missing directory, plain directory and foreign JSON are not_an_index', async () => {
    const missing = newDir();
    await expect(LateIndex.open(missing)).rejects.toMatchObject({ code: 'not_an_index' });
    mkdirSync(missing, { recursive: true });
    await expect(LateIndex.open(missing)).rejects.toMatchObject({ code: 'not_an_index' });
    writeFileSync(join(missing, 'manifest.json'), '{"format": "something-else"}');
    const err = await LateIndex.open(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexFormatError);
    expect(err).toMatchObject({ code: 'not_an_index' });
    expect((err as Error).message).toContain('manifest.json');
    writeFileSync(join(missing, 'manifest.json'), '{not json');
    await expect(LateIndex.open(missing)).rejects.toMatchObject({ code: 'not_an_index' });
  });

  it('open: another format version is format_version', async () => {
    const dir = newDir();
    await (await LateIndex.create(dir, { encoder: encoderIdentity(DIM) })).close();
    const file = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...manifest, formatVersion: 99 }));
    await expect(LateIndex.open(dir)).rejects.toMatchObject({ code: 'format_version', message: expect.stringContaining("version 99") });
  });

  it('open: a sparse store of another format is sparse_format naming the index and the rebuild', async () => {
    const dir = newDir();
    await (await LateIndex.create(dir, { encoder: encoderIdentity(DIM) })).close();
    const env = open({ path: join(dir, 'store.mdb'), maxDbs: 64 });
    const meta = env.openDB<Record<string, unknown>, string>({ name: 'sparse.meta' });
    await meta.put('stats', { ...(meta.get('stats') ?? {}), formatVersion: 1 });
    await env.close();
    await expect(LateIndex.open(dir)).rejects.toMatchObject({
      code: 'sparse_format',
      message: `${dir}: sparse store format 1 is not supported (this lateindex reads format 2); rebuild it with "lateindex index --overwrite"`,
    });
  });

  it('open with another encoder is encoder_mismatch naming both encoders', async () => {
    const dir = newDir();
    await (await LateIndex.create(dir, { encoder: encoderIdentity(DIM, 'hash-one') })).close();
    const err = await LateIndex.open(dir, { encoder: encoderIdentity(DIM, 'hash-two') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexFormatError);
    expect(err).toMatchObject({ code: 'encoder_mismatch' });
    expect((err as Error).message).toContain('hash-one');
    expect((err as Error).message).toContain('hash-two');
    await expect(LateIndex.open(dir, { encoder: { ...encoderIdentity(DIM, 'hash-one'), dim: DIM + 1 } })).rejects.toMatchObject({
      code: 'encoder_mismatch',
    });
    const ok = await LateIndex.open(dir, { encoder: encoderIdentity(DIM, 'hash-one') });
    await ok.close();
  });

  it('read-only indexes refuse writes and leave files untouched', async () => {
    const dir = newDir();
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM) });
    await index.upsert([makeDoc('a', randomUnitRows(rng(8), 2, DIM), DIM)]);
    await index.close();
    const before = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const ro = await LateIndex.open(dir, { readOnly: true });
    await expect(ro.upsert([makeDoc('b', randomUnitRows(rng(9), 2, DIM), DIM)])).rejects.toMatchObject({ code: 'read_only' });
    await expect(ro.delete(['a'])).rejects.toMatchObject({ code: 'read_only' });
    await ro.close();
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'hnsw.bin'))).toBe(true);
  });
});
