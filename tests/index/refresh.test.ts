import { describe, expect, it, vi } from 'vitest';
import { LateIndex } from '../../src/index/late-index.js';
import { DocumentTable } from '../../src/index/store/document-table.js';
import { encoderIdentity, makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const DIM = 8;
const { cleanups, newDir } = useCleanups();

/** What a reader must agree on with the writer: every live document and its stored vector count. */
function liveCounts(index: LateIndex): [number, number][] {
  return [...index.liveInternalIds()].map((id) => [id, index.readVectors(id)!.count]);
}

describe('a reader catching up with a writer', () => {
  it('re-reads only the documents the change log names, and agrees with the writer after every write', async () => {
    const dir = newDir();
    const writer = await LateIndex.create(dir, { encoder: encoderIdentity(DIM), quantization: 'float32' });
    cleanups.push(() => writer.close());
    const random = rng(2024);
    const doc = (id: string) => makeDoc(id, randomUnitRows(random, 1 + Math.floor(random() * 6), DIM), DIM);
    await writer.upsert(Array.from({ length: 20 }, (_, i) => doc(`d${i}`)));
    const reader = await LateIndex.open(dir, { readOnly: true });
    cleanups.push(() => reader.close());
    const fullScans = vi.spyOn(DocumentTable.prototype, 'loadVectorCounts');
    cleanups.push(() => fullScans.mockRestore());

    let next = 20;
    for (let step = 0; step < 30; step++) {
      const op = random();
      if (op < 0.4) await writer.upsert([doc(`d${next++}`), doc(`d${next++}`)]);
      else if (op < 0.7) await writer.upsert([doc(`d${Math.floor(random() * next)}`)]); // update or re-add
      else await writer.delete([`d${Math.floor(random() * next)}`, `d${Math.floor(random() * next)}`]);
      await reader.refresh();
      expect(liveCounts(reader), `step ${step}`).toEqual(liveCounts(writer));
      expect(reader.counts()).toEqual(writer.counts());
    }
    expect(reader.verify()).toMatchObject({ ok: true });
    expect(fullScans).not.toHaveBeenCalled();

    // Once the writer saves its graph it prunes the logs: a reader that lagged past them scans everything.
    await writer.upsert([doc('late-1')]);
    await writer.delete(['d0', 'd1', 'd2']);
    await writer.flush();
    await reader.refresh();
    expect(fullScans).toHaveBeenCalledTimes(1);
    expect(liveCounts(reader)).toEqual(liveCounts(writer));
    expect(reader.verify()).toMatchObject({ ok: true });
  });

  it('starts the log on the first write to an index that predates it, scanning until then', async () => {
    const dir = newDir();
    const writer = await LateIndex.create(dir, { encoder: encoderIdentity(DIM), quantization: 'float32' });
    cleanups.push(() => writer.close());
    const random = rng(7);
    const doc = (id: string) => makeDoc(id, randomUnitRows(random, 3, DIM), DIM);
    await writer.upsert([doc('a'), doc('b')]);
    // Simulate an index written before the change log existed: no changeLogFrom, no log entries.
    const store = writer.inspect().store;
    store.transaction(() => {
      const { changeLogFrom: _dropped, ...state } = store.state();
      store.putState(state);
      for (const key of [...store.changedDocs!.getKeys()]) store.changedDocs!.removeSync(key);
    });
    const reader = await LateIndex.open(dir, { readOnly: true });
    cleanups.push(() => reader.close());
    const fullScans = vi.spyOn(DocumentTable.prototype, 'loadVectorCounts');
    cleanups.push(() => fullScans.mockRestore());
    await writer.upsert([doc('c')]);
    await reader.refresh(); // the log starts with this write, which the reader has not seen: covered
    await writer.delete(['a']);
    await reader.refresh();
    expect(fullScans).not.toHaveBeenCalled();
    expect(liveCounts(reader)).toEqual(liveCounts(writer));
    expect(reader.getInternalId('a')).toBeUndefined();
  });
});

describe('an index opened without its graph', () => {
  it('reads, refreshes and verifies like a full reader, refuses candidate search, and must be read-only', async () => {
    const dir = newDir();
    const writer = await LateIndex.create(dir, { encoder: encoderIdentity(DIM), quantization: 'float32' });
    cleanups.push(() => writer.close());
    const random = rng(99);
    const doc = (id: string) => makeDoc(id, randomUnitRows(random, 4, DIM), DIM);
    await writer.upsert([doc('a'), doc('b'), doc('c')]);
    await expect(LateIndex.open(dir, { graph: false })).rejects.toThrow(/must be read-only/);
    const reader = await LateIndex.open(dir, { readOnly: true, graph: false });
    cleanups.push(() => reader.close());
    expect(() => reader.searchHnswDocuments(new Float32Array(DIM).fill(0.35), 2)).toThrow(expect.objectContaining({ code: 'no_graph' }));
    await writer.upsert([doc('d')]);
    await writer.delete(['a']);
    await reader.refresh();
    expect(liveCounts(reader)).toEqual(liveCounts(writer));
    expect(reader.readVectors(reader.getInternalId('d')!)!.data).toEqual(writer.readVectors(writer.getInternalId('d')!)!.data);
    expect(reader.verify()).toMatchObject({ ok: true, documents: 3 });
  });
});
