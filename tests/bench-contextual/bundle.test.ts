import { Float16Array } from '@petamoriken/float16';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bundle } from '../../bench/contextual/bundle.js';
import { mergeTopK, runExhaustive } from '../../bench/contextual/exhaustive.js';
import { ContextualCorpus, type ContextualCorpusParams } from '../../bench/contextual/generator.js';
import { readNpy, writeNpy } from '../../bench/contextual/npy.js';
import { writeBundle } from '../../bench/contextual/write-bundle.js';
import { maxSimKernel } from '../../src/search/maxsim.js';
import { InputError } from '../../src/shared/index.js';

const PARAMS: Partial<ContextualCorpusParams> = { concepts: 1024, themes: 16, seed: 5 };
const DOCUMENTS = 60;
const root = mkdtempSync(path.join(tmpdir(), 'ctx-bundle-test-'));
const float32Dir = path.join(root, 'f32');
const float16Dir = path.join(root, 'f16');
const corpus = new ContextualCorpus(PARAMS);
const dim = corpus.params.dim;

beforeAll(async () => {
  // Worker threads pulling 7-document chunks (out of order) for one, this thread for the other.
  await writeBundle({ documents: DOCUMENTS, out: float32Dir, params: PARAMS, queries: 4, workers: 2, chunkDocuments: 7 });
  await writeBundle({ documents: DOCUMENTS, out: float16Dir, dtype: 'float16', params: PARAMS, queries: 4, workers: 0, chunkDocuments: 16 });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** All documents' rows straight from the generator, back to back. */
function generatedRows(): Float32Array {
  const documents = Array.from({ length: DOCUMENTS }, (_, i) => corpus.document(i));
  const out = new Float32Array(documents.reduce((n, d) => n + d.length, 0));
  let at = 0;
  for (const d of documents) {
    out.set(d, at);
    at += d.length;
  }
  return out;
}

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Brute-force top k over the given per-document rows: exact scalar MaxSim, score descending then index. */
function bruteForce(query: Float32Array, documents: Float32Array[], k: number): Array<{ internalId: number; score: number }> {
  return documents
    .map((rows, internalId) => ({ internalId, score: maxSimKernel(query, query.length / dim, rows, rows.length / dim, dim) }))
    .sort((a, b) => b.score - a.score || a.internalId - b.internalId)
    .slice(0, k);
}

describe('write-bundle', () => {
  it('writes every document, in order, equal to the generator whichever worker wrote it', () => {
    const bundle = Bundle.open(float32Dir);
    const { data } = readNpy(bundle.file('embeddings'));
    const expected = generatedRows();
    expect(data).toBeInstanceOf(Float32Array);
    expect(bytesOf(data).equals(bytesOf(expected))).toBe(true);
    expect(bundle.manifest).toMatchObject({ documents: DOCUMENTS, tokens: expected.length / dim, dim, dtype: 'float32', queries: 4, queryTokens: 32 });
    expect(bundle.manifest.generator).toEqual(corpus.params);
    expect(Array.from(bundle.doclens)).toEqual(Array.from({ length: DOCUMENTS }, (_, i) => corpus.documentLength(i)));
  });

  it('writes ids, queries and planted targets that name real documents', () => {
    const bundle = Bundle.open(float32Dir);
    const ids = bundle.ids();
    expect(ids).toEqual(Array.from({ length: DOCUMENTS }, (_, i) => `d${i}`));
    expect(readFileSync(bundle.file('ids'), 'utf8').endsWith('d59\n')).toBe(true);
    const targets = bundle.targets();
    const indices = corpus.queryTargets(DOCUMENTS, 4);
    expect(targets).toEqual(Array.from(indices, (i) => `d${i}`));
    for (const t of targets) expect(ids).toContain(t);
    const queries = bundle.queries();
    expect(queries.length).toBe(4);
    queries.forEach((q, i) => expect(Array.from(q)).toEqual(Array.from(corpus.query(i, indices[i]!))));
  });

  it('stores float16 as the round-to-nearest half of each float32 value', () => {
    const bundle = Bundle.open(float16Dir);
    expect(bundle.embeddings.dtype).toBe('float16');
    const { data } = readNpy(bundle.file('embeddings'));
    const expected = new Float16Array(generatedRows());
    expect(data).toBeInstanceOf(Uint16Array);
    expect(bytesOf(data).equals(bytesOf(new Uint16Array(expected.buffer)))).toBe(true);
  });

  it('refuses an incomplete or inconsistent bundle, naming the file', () => {
    const broken = path.join(root, 'broken');
    expect(() => Bundle.open(broken)).toThrow(InputError);
    expect(() => Bundle.open(broken)).toThrow(/bundle\.json.*is the bundle complete/);
    const copy = path.join(root, 'copy');
    cpSync(float32Dir, copy, { recursive: true });
    const lengths = Bundle.open(float32Dir).doclens.slice();
    lengths[0] = lengths[0]! + 1;
    writeNpy(path.join(copy, 'doclens.npy'), 'int32', [DOCUMENTS], lengths);
    expect(() => Bundle.open(copy)).toThrow(/embeddings\.npy.*\(doclens sum\)/);
    writeNpy(path.join(copy, 'doclens.npy'), 'int32', [DOCUMENTS - 1], lengths.subarray(1));
    expect(() => Bundle.open(copy)).toThrow(/doclens\.npy.*expected int32 \(60,\)/);
  });
});

describe('exhaustive reference', () => {
  it('equals brute-force scalar MaxSim over the stored float32 vectors (two workers)', async () => {
    const reference = await runExhaustive(float32Dir, { workers: 2, k: 10, chunkDocuments: 5 });
    const documents = Array.from({ length: DOCUMENTS }, (_, i) => corpus.document(i));
    const queries = Bundle.open(float32Dir).queries();
    expect(reference.results.length).toBe(4);
    reference.results.forEach((r, q) => {
      const expected = bruteForce(queries[q]!, documents, 10);
      expect(r.ids).toEqual(expected.map((h) => `d${h.internalId}`));
      expect(r.scores).toEqual(expected.map((h) => h.score));
    });
    expect(reference.gaps.gaps).toBe(4 * 10 - 4);
  });

  it('equals brute-force MaxSim over the float16 vectors widened exactly (in this thread)', async () => {
    const reference = await runExhaustive(float16Dir, { workers: 0, k: 7, chunkDocuments: 9 });
    const halves = readNpy(Bundle.open(float16Dir).file('embeddings')).data as Uint16Array;
    const widened = Float32Array.from(new Float16Array(halves.buffer, halves.byteOffset, halves.length));
    const bundle = Bundle.open(float16Dir);
    const documents = Array.from({ length: DOCUMENTS }, (_, i) => widened.subarray(bundle.offsets[i]! * dim, bundle.offsets[i + 1]! * dim));
    const queries = bundle.queries();
    const targets = bundle.targets();
    let atOne = 0;
    reference.results.forEach((r, q) => {
      const expected = bruteForce(queries[q]!, documents, 7);
      expect(r.ids).toEqual(expected.map((h) => `d${h.internalId}`));
      expect(r.scores).toEqual(expected.map((h) => h.score));
      if (r.ids[0] === targets[q]) atOne++;
    });
    expect(reference.plantedRecallAt1).toBe(atOne / 4);
  });

  it('merges partial lists by score, then by document index', () => {
    const merged = mergeTopK(
      [
        [[{ internalId: 4, score: 2 }, { internalId: 1, score: 1 }]],
        [[{ internalId: 3, score: 2 }, { internalId: 0, score: 1.5 }]],
      ],
      3,
    );
    expect(merged).toEqual([[{ internalId: 3, score: 2 }, { internalId: 4, score: 2 }, { internalId: 0, score: 1.5 }]]);
  });
});
