import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { MultiVector } from '../../src/shared/index.js';
import { OnnxColbertEncoder } from '../../src/encode/onnx/index.js';
import {
  cosine,
  editJson,
  FIXTURE_DIR,
  fixtureCopy,
  onnxConfig,
  referenceModel,
  vocabId,
  type ReferenceModel,
} from './tiny-colbert-reference.js';

const QUERIES = [
  'The Cells of PARIS',
  'what increases the risk of heart disease?',
  'cell protein gene dna rna cancer tumor blood brain heart study result',
  'virus',
  '',
];
const DOCUMENTS = [
  'Cells, the virus.',
  'Water flow, running over the wing surface; pressure and heat at the boundary layer!',
  'water air flow wing pressure heat surface boundary layer speed theory search query document retrieval index token vector paris france capital city river',
  'immune response',
  '',
];

const SKIPLIST = new Set(onnxConfig.skiplist_words.map(vocabId));
const SEP = vocabId('[SEP]');

/**
 * Reference rows for one text from its token ids: attention is 1 up to and including the first [SEP]
 * and `attendExpansion` after it; documents drop skiplist ids; rows are L2-normalised.
 */
function referenceRows(model: ReferenceModel, tokenIds: readonly number[], kind: 'query' | 'document', attendExpansion = false): number[][] {
  const realLength = tokenIds.indexOf(SEP) + 1;
  const attention = tokenIds.map((_, j) => (j < realLength ? 1 : attendExpansion ? 1 : 0));
  const rows = model.forward(tokenIds, attention, tokenIds.map(() => 0));
  const kept = rows.filter((_, j) => kind === 'query' || !SKIPLIST.has(tokenIds[j]!));
  return kept.map((r) => {
    const n = Math.hypot(...r);
    return Array.from(r, (v) => v / n);
  });
}

function rowsOf(mv: MultiVector): Float32Array[] {
  return Array.from({ length: mv.count }, (_, r) => mv.data.subarray(r * mv.dim, (r + 1) * mv.dim));
}

function expectRowsMatch(actual: MultiVector, expected: number[][]): void {
  expect(actual.count).toBe(expected.length);
  rowsOf(actual).forEach((row, r) => {
    expect(cosine(row, expected[r]!)).toBeGreaterThanOrEqual(0.9999);
    expect(Math.hypot(...row)).toBeCloseTo(1, 5);
  });
}

for (const int8 of [false, true]) {
  describe(`forward pass vs the reference model (${int8 ? 'model_int8.onnx' : 'model.onnx'})`, () => {
    let encoder: OnnxColbertEncoder;
    const reference = referenceModel(int8);
    beforeAll(async () => {
      encoder = await OnnxColbertEncoder.load(FIXTURE_DIR, { int8, threads: 1, batchSize: 2 });
    });
    afterAll(() => encoder.close());

    it('loads the requested model file and reports the identity', () => {
      expect(encoder.modelFile).toBe(join(FIXTURE_DIR, int8 ? 'model_int8.onnx' : 'model.onnx'));
      expect(encoder.identity).toMatchObject({ kind: 'onnx', name: 'lateindex/tiny-colbert', dim: 16 });
      expect(encoder.identity.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(encoder.queryWeighting).toBe('uniform');
      expect(encoder.protectedLeadingTokens).toBe(1);
    });

    it('query rows match the reference, all query_length rows, [MASK] unattended', async () => {
      const out = await encoder.encodeQueries(QUERIES);
      expect(out).toHaveLength(QUERIES.length);
      out.forEach((mv, i) => {
        const tokenIds = encoder.tokenize(QUERIES[i]!, 'query').ids;
        expect(Array.from(mv.tokenIds!)).toEqual(tokenIds);
        expect(mv.count).toBe(onnxConfig.query_length);
        expectRowsMatch(mv, referenceRows(reference, tokenIds, 'query'));
      });
    });

    it('document rows match the reference, skiplist rows removed', async () => {
      const out = await encoder.encodeDocuments(DOCUMENTS);
      out.forEach((mv, i) => {
        const tokenIds = encoder.tokenize(DOCUMENTS[i]!, 'document').ids;
        const keptIds = tokenIds.filter((id) => !SKIPLIST.has(id));
        expect(Array.from(mv.tokenIds!)).toEqual(keptIds);
        expect(mv.tokens).toHaveLength(mv.count);
        expectRowsMatch(mv, referenceRows(reference, tokenIds, 'document'));
      });
    });

    it('batching and padding give the same rows as one text at a time', async () => {
      const batched = await encoder.encodeDocuments(DOCUMENTS);
      for (let i = 0; i < DOCUMENTS.length; i++) {
        const [single] = await encoder.encodeDocuments([DOCUMENTS[i]!]);
        expect(single!.count).toBe(batched[i]!.count);
        expect(single!.tokens).toEqual(batched[i]!.tokens);
        single!.data.forEach((v, k) => expect(Math.abs(v - batched[i]!.data[k]!)).toBeLessThan(1e-5));
      }
    });
  });
}

describe('fp32 vs int8 and config variants', () => {
  it('the int8 model is a different, close approximation of the fp32 model', async () => {
    const fp32 = await OnnxColbertEncoder.load(FIXTURE_DIR);
    const int8 = await OnnxColbertEncoder.load(FIXTURE_DIR, { int8: true });
    try {
      expect(int8.identity.hash).not.toBe(fp32.identity.hash);
      const [a] = await fp32.encodeDocuments([DOCUMENTS[1]!]);
      const [b] = await int8.encodeDocuments([DOCUMENTS[1]!]);
      let maxDiff = 0;
      a!.data.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - b!.data[k]!))));
      expect(maxDiff).toBeGreaterThan(1e-4);
      rowsOf(a!).forEach((row, r) => expect(cosine(row, rowsOf(b!)[r]!)).toBeGreaterThan(0.95));
    } finally {
      await fp32.close();
      await int8.close();
    }
  });

  it('attend_to_expansion_tokens changes the query rows exactly as the reference does', async () => {
    const copy = fixtureCopy((dir) => editJson(join(dir, 'onnx_config.json'), (j) => (j.attend_to_expansion_tokens = true)));
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    try {
      const [q] = await encoder.encodeQueries(['virus']);
      const tokenIds = encoder.tokenize('virus', 'query').ids;
      const attended = referenceRows(referenceModel(false), tokenIds, 'query', true);
      const unattended = referenceRows(referenceModel(false), tokenIds, 'query', false);
      expectRowsMatch(q!, attended);
      expect(cosine(attended[0]!, unattended[0]!)).toBeLessThan(0.9999);
    } finally {
      await encoder.close();
      copy.cleanup();
    }
  });

  it('feeds the template\'s token type ids to the model (and truncates templates with mixed types)', async () => {
    // [CLS] type 0, text and [SEP] type 1: the tokenizer cannot wrap text itself, so every text is checked.
    const copy = fixtureCopy((dir) =>
      editJson(join(dir, 'tokenizer.json'), (j) => {
        (j.post_processor as { single: unknown[] }).single = [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ];
      }),
    );
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    try {
      const text = DOCUMENTS[2]!;
      const t = encoder.tokenize(text, 'document');
      expect(t.ids.length).toBe(onnxConfig.document_length);
      expect(t.ids.at(-1)).toBe(SEP);
      expect(t.typeIds).toEqual([0, 0, ...Array(onnxConfig.document_length - 2).fill(1)]);
      const [doc] = await encoder.encodeDocuments([text]);
      const rows = referenceModel(false).forward(t.ids, t.ids.map(() => 1), t.typeIds);
      const typeZeroRows = referenceModel(false).forward(t.ids, t.ids.map(() => 1), t.ids.map(() => 0));
      const expected = rows.filter((_, j) => !SKIPLIST.has(t.ids[j]!)).map((r) => Array.from(r, (v) => v / Math.hypot(...r)));
      expectRowsMatch(doc!, expected);
      expect(cosine(rows[3]!, typeZeroRows[3]!)).toBeLessThan(0.9999);
    } finally {
      await encoder.close();
      copy.cleanup();
    }
  });

  it('works from config_sentence_transformers.json alone, learning the dim from the model', async () => {
    const copy = fixtureCopy((dir) => rmSync(join(dir, 'onnx_config.json')));
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    const original = await OnnxColbertEncoder.load(FIXTURE_DIR);
    try {
      expect(encoder.identity.dim).toBe(16);
      expect(encoder.identity.name).toBe(copy.dir.split('/').pop());
      expect(encoder.identity.hash).not.toBe(original.identity.hash);
      const [a] = await encoder.encodeQueries([QUERIES[0]!]);
      const [b] = await original.encodeQueries([QUERIES[0]!]);
      expect(a!.tokens).toEqual(b!.tokens);
      rowsOf(a!).forEach((row, r) => expect(cosine(row, rowsOf(b!)[r]!)).toBeGreaterThanOrEqual(0.99999));
    } finally {
      await encoder.close();
      await original.close();
      copy.cleanup();
    }
  });

  it('identity hash is stable across loads and follows the config files', async () => {
    const a = await OnnxColbertEncoder.load(FIXTURE_DIR);
    const b = await OnnxColbertEncoder.load(FIXTURE_DIR);
    const copy = fixtureCopy((dir) => editJson(join(dir, 'onnx_config.json'), (j) => (j.skiplist_words = ['.'])));
    const c = await OnnxColbertEncoder.load(copy.dir);
    try {
      expect(a.identity.hash).toBe(b.identity.hash);
      expect(c.identity.hash).not.toBe(a.identity.hash);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
      copy.cleanup();
    }
  });

  it('encodes an empty list to an empty list', async () => {
    const encoder = await OnnxColbertEncoder.load(FIXTURE_DIR);
    try {
      expect(await encoder.encodeDocuments([])).toEqual([]);
      expect(await encoder.encodeQueries([])).toEqual([]);
    } finally {
      await encoder.close();
    }
  });
});
