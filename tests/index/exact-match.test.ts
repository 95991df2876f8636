import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { StaticEncoder } from '../../src/encode/index.js';
import { IndexBuilder, LateIndex, exactMatchRecoveryFor, readCorpus, readManifest } from '../../src/index/index.js';
import { HierarchicalPooler, parseReductionSpec } from '../../src/pool/index.js';
import { Retriever } from '../../src/search/index.js';
import { documentText, idf, type DocumentRecord, type MultiVector } from '../../src/shared/index.js';
import { useCleanups } from './helpers.js';

const SAMPLE = path.resolve(__dirname, '../../data/sample/corpus.jsonl');
const { cleanups, newDir } = useCleanups();
let encoder: StaticEncoder;
let records: DocumentRecord[];

beforeAll(async () => {
  encoder = await StaticEncoder.load();
  records = [];
  for await (const record of readCorpus(SAMPLE)) records.push(record);
});

async function build(spec: string, exactMatchRecovery = true): Promise<LateIndex> {
  const pipeline = parseReductionSpec(spec);
  const index = await LateIndex.create(newDir(), { encoder: encoder.identity, reduction: pipeline.spec, exactMatchRecovery });
  cleanups.push(() => index.close());
  await new IndexBuilder(index, encoder, pipeline).addBatch(records);
  return index;
}

/** Stored token list of a document, as strings. */
function listOf(index: LateIndex, id: string): string[] {
  const store = index.exactTokens!;
  return (store.documentTokens(index.getInternalId(id)!, store.dictionaryById()) ?? []).map(String).sort();
}

describe('exact-match recovery in the index', () => {
  it('is on by default only for a context-free encoder with a reduction that merges rows; forcing it needs one', () => {
    const contextual = { contextFree: false, identity: { ...encoder.identity, name: 'colbert-test' } };
    expect(exactMatchRecoveryFor(encoder, parseReductionSpec('ward:2'))).toBe(true);
    expect(exactMatchRecoveryFor(encoder, parseReductionSpec('none'))).toBe(false);
    // Pruning alone keeps tokens' own vectors: nothing to restore.
    expect(exactMatchRecoveryFor(encoder, parseReductionSpec('skiplist,idf-top:0.5'))).toBe(false);
    expect(exactMatchRecoveryFor(encoder, parseReductionSpec('idf-top:0.9,ward:2'))).toBe(true);
    expect(exactMatchRecoveryFor(encoder, parseReductionSpec('none'), true)).toBe(true);
    expect(exactMatchRecoveryFor(encoder, parseReductionSpec('ward:2'), false)).toBe(false);
    expect(exactMatchRecoveryFor(contextual, parseReductionSpec('ward:2'))).toBe(false);
    expect(() => exactMatchRecoveryFor(contextual, parseReductionSpec('ward:2'), true)).toThrow(/context-free encoder.*colbert-test/);
  });

  it('stores, per document, the distinct tokens its pooled rows stand for, and counts their bytes', async () => {
    const index = await build('ward:2');
    const encoded = await encoder.encodeDocuments(records.map(documentText));
    let bytes = 0;
    records.forEach((record, i) => {
      const distinct = [...new Set(encoded[i]!.tokens)].sort();
      expect(listOf(index, record.id)).toEqual(distinct);
      bytes += 4 * distinct.length;
    });
    expect(index.counts().exactTokenBytes).toBe(bytes);
    expect(index.verify().problems).toEqual([]);
    expect(readManifest(index.dir).exactMatchRecovery).toBe(true);
  });

  it('a pruner after pooling keeps only the tokens of the rows it kept', async () => {
    const index = await build('ward:2,first:1');
    const [doc] = await encoder.encodeDocuments([documentText(records[0]!)]);
    const k = Math.floor(doc!.count / 2);
    const labels = new HierarchicalPooler('ward', 2, true).partition(doc!.data, doc!.dim, 0, doc!.count, k);
    const firstCluster = new Set(doc!.tokens!.filter((_, i) => labels[i] === 0));
    expect(listOf(index, records[0]!.id)).toEqual([...firstCluster].sort());
  });

  it('exhaustive scores equal sum_i w_i max(q_i.q_i if the document holds token i, best stored similarity)', async () => {
    const index = await build('ward:3');
    const retriever = new Retriever(index, encoder);
    const docs = [...index.liveInternalIds()];
    for (const text of ['what makes bread rise', 'glacier ice melting sea level', 'yeast fermentation sugar']) {
      const [query] = await encoder.encodeQueries([text]);
      const weights = query!.tokens!.map((t) => idf(index.documentFrequency(t), index.counts().documents));
      const hits = await retriever.search(text, { k: docs.length, mode: 'late', exhaustive: true });
      expect(hits.length).toBe(docs.length);
      for (const hit of hits) {
        const stored = index.readVectors(hit.internalId)! as MultiVector;
        const held = new Set(listOf(index, hit.id));
        let expected = 0;
        for (let i = 0; i < query!.count; i++) {
          const q = query!.data.subarray(i * query!.dim, (i + 1) * query!.dim);
          let best = -Infinity;
          for (let r = 0; r < stored.count; r++) {
            let s = 0;
            for (let d = 0; d < stored.dim; d++) s += q[d]! * stored.data[r * stored.dim + d]!;
            best = Math.max(best, s);
          }
          if (held.has(query!.tokens![i]!)) best = Math.max(best, q.reduce((s, x) => s + x * x, 0));
          expected += weights[i]! * best;
        }
        expect(hit.score).toBeCloseTo(expected, 5);
      }
    }
  });

  it('updates replace a document\'s list, deletes drop it, and verify keeps the bookkeeping exact', async () => {
    const index = await build('ward:2');
    const first = records[0]!;
    const [updated] = await encoder.encodeDocuments(['volcanic basalt erupts']);
    await new IndexBuilder(index, encoder, parseReductionSpec('ward:2')).addBatch([{ id: first.id, text: 'volcanic basalt erupts' }]);
    expect(listOf(index, first.id)).toEqual([...new Set(updated!.tokens)].sort());
    await index.delete([records[1]!.id]);
    const encoded = await encoder.encodeDocuments(records.slice(2).map(documentText));
    const bytes = 4 * (new Set(updated!.tokens).size + encoded.reduce((n, mv) => n + new Set(mv.tokens).size, 0));
    expect(index.counts().exactTokenBytes).toBe(bytes);
    expect(index.verify().problems).toEqual([]);
  });

  it('verify reports a list holding a token the document does not have, and a list of a missing document', async () => {
    const index = await build('ward:2');
    const store = index.exactTokens!;
    index.inspect().store.transaction(() => {
      store.put(index.getInternalId(records[0]!.id)!, ['not-in-this-document']);
      store.put(9999, ['bread']);
    });
    const problems = index.verify().problems;
    expect(problems.some((p) => p.includes(`"${records[0]!.id}"`) && p.includes('"not-in-this-document"'))).toBe(true);
    expect(problems.some((p) => p.includes('missing document 9999'))).toBe(true);
    expect(problems.some((p) => p.includes('exact-match token bytes'))).toBe(true);
  });

  it('a token too long for an LMDB key is refused naming the field, and nothing is written', async () => {
    const index = await build('ward:2');
    const before = index.counts();
    const doc = { id: 'long', vectors: (await encoder.encodeDocuments(['glacier']))[0]!, exactTokens: ['x'.repeat(3000)] };
    await expect(index.upsert([doc])).rejects.toThrow(/document "long": every entry of exactTokens must be a string of at most \d+ bytes/);
    expect(index.counts()).toEqual(before);
    expect(index.getInternalId('long')).toBeUndefined();
    expect(index.verify().problems).toEqual([]);
  });

  it('an index without recovery keeps no lists, and a manifest with a malformed flag is refused naming the field', async () => {
    const index = await build('ward:2', false);
    expect(index.exactTokens).toBeUndefined();
    expect(index.counts().exactTokenBytes).toBeUndefined();
    const dir = index.dir;
    await index.close();
    const manifest = JSON.parse(JSON.stringify(readManifest(dir))) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, exactMatchRecovery: 'yes' }));
    await expect(LateIndex.open(dir)).rejects.toThrow(/field "exactMatchRecovery" must be true or false/);
  });
});
