import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OnnxColbertEncoder } from '../../src/encode/onnx/index.js';
import { editJson, FIXTURE_DIR, fixtureCopy, vocabId } from './tiny-colbert-reference.js';

const ids = (tokens: readonly string[]): number[] => tokens.map(vocabId);
const masks = (n: number): string[] => Array<string>(n).fill('[MASK]');

describe('ColBERT tokenization of the tiny fixture (query_length 12, document_length 24)', () => {
  let encoder: OnnxColbertEncoder;
  beforeAll(async () => {
    encoder = await OnnxColbertEncoder.load(FIXTURE_DIR);
  });
  afterAll(() => encoder.close());

  it('puts the query prefix after [CLS] and expands with [MASK] to query_length, unattended', () => {
    const t = encoder.tokenize('The Cells of PARIS', 'query');
    const expected = ['[CLS]', '[Q] ', 'the', 'cells', 'of', 'paris', '[SEP]', ...masks(5)];
    expect(t.tokens).toEqual(expected);
    expect(t.ids).toEqual(ids(expected));
    expect(t.attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(t.typeIds).toEqual(Array(12).fill(0));
  });

  it('truncates a long query to query_length keeping [SEP], with no expansion left', () => {
    const t = encoder.tokenize('cell protein gene dna rna cancer tumor blood brain heart study result', 'query');
    const expected = ['[CLS]', '[Q] ', 'cell', 'protein', 'gene', 'dna', 'rna', 'cancer', 'tumor', 'blood', 'brain', '[SEP]'];
    expect(t.tokens).toEqual(expected);
    expect(t.attentionMask).toEqual(Array(12).fill(1));
  });

  it('puts the document prefix after [CLS] and does not pad documents', () => {
    const t = encoder.tokenize('Water flow, running!', 'document');
    const expected = ['[CLS]', '[D] ', 'water', 'flow', ',', 'r', '##u', '##n', '##n', '##ing', '!', '[SEP]'];
    expect(t.tokens).toEqual(expected);
    expect(t.ids).toEqual(ids(expected));
    expect(t.attentionMask).toEqual(Array(expected.length).fill(1));
  });

  it('truncates documents to document_length tokens, prefix and [SEP] included', () => {
    const words = (
      'water air flow wing pressure heat surface boundary layer speed theory search query document ' +
      'retrieval index token vector paris france capital city river cell protein gene'
    ).split(' ');
    expect(words.length).toBe(26);
    const t = encoder.tokenize(words.join(' '), 'document');
    expect(t.tokens).toEqual(['[CLS]', '[D] ', ...words.slice(0, 21), '[SEP]']);
    expect(t.ids.length).toBe(24);
    expect(t.truncatedFrom).toBe(26);
  });

  it('says which documents it cut and how many text tokens they had; queries and short documents are not marked', async () => {
    expect(encoder.documentTokenLimit).toBe(24);
    const long = Array.from({ length: 40 }, (_, i) => ['water', 'air', 'flow', 'wing'][i % 4]).join(' ');
    // 21 text tokens fit beside [CLS], [D] and [SEP].
    const fits = long.split(' ').slice(0, 21).join(' ');
    const [cut, whole] = await encoder.encodeDocuments([long, fits]);
    expect(cut!.truncatedFrom).toBe(40);
    expect(cut!.count).toBe(24);
    expect(whole!.truncatedFrom).toBeUndefined();
    expect(whole!.count).toBe(24);
    const [query] = await encoder.encodeQueries([long]);
    expect(query!.truncatedFrom).toBeUndefined();
  });

  it('drops skiplist rows from documents but keeps them in queries', async () => {
    const text = 'Cells, the virus.';
    const [doc] = await encoder.encodeDocuments([text]);
    expect(doc!.tokens).toEqual(['[CLS]', '[D] ', 'cells', 'virus', '[SEP]']);
    expect(Array.from(doc!.tokenIds!)).toEqual(ids(['[CLS]', '[D] ', 'cells', 'virus', '[SEP]']));
    expect(doc!.count).toBe(5);
    const [query] = await encoder.encodeQueries([text]);
    const expectedQuery = ['[CLS]', '[Q] ', 'cells', ',', 'the', 'virus', '.', '[SEP]', ...masks(4)];
    expect(query!.tokens).toEqual(expectedQuery);
    expect(Array.from(query!.tokenIds!)).toEqual(ids(expectedQuery));
    expect(query!.count).toBe(12);
  });

  it('maps characters outside the vocabulary to [UNK]', () => {
    expect(encoder.tokenize('cell # cell', 'document').tokens).toEqual(['[CLS]', '[D] ', 'cell', '[UNK]', 'cell', '[SEP]']);
  });
});

describe('config variants', () => {
  it('attend_to_expansion_tokens sets attention 1 on the [MASK] expansion', async () => {
    const copy = fixtureCopy((dir) => editJson(join(dir, 'onnx_config.json'), (j) => (j.attend_to_expansion_tokens = true)));
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    try {
      const t = encoder.tokenize('cells', 'query');
      expect(t.tokens).toEqual(['[CLS]', '[Q] ', 'cells', '[SEP]', ...masks(8)]);
      expect(t.attentionMask).toEqual(Array(12).fill(1));
    } finally {
      await encoder.close();
      copy.cleanup();
    }
  });

  it('without query expansion, queries are neither padded nor skiplist-filtered', async () => {
    const copy = fixtureCopy((dir) => {
      editJson(join(dir, 'onnx_config.json'), (j) => {
        j.do_query_expansion = false;
        j.attend_to_expansion_tokens = true; // PyLate ignores it without expansion
      });
    });
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    try {
      expect(encoder.config.attendToExpansionTokens).toBe(false);
      const [q] = await encoder.encodeQueries(['cells, the virus']);
      expect(q!.tokens).toEqual(['[CLS]', '[Q] ', 'cells', ',', 'the', 'virus', '[SEP]']);
    } finally {
      await encoder.close();
      copy.cleanup();
    }
  });

  it('resolves prefix, mask and pad ids from the tokenizer when the config omits them', async () => {
    const copy = fixtureCopy((dir) =>
      editJson(join(dir, 'onnx_config.json'), (j) => {
        delete j.query_prefix_id;
        delete j.document_prefix_id;
        delete j.mask_token_id;
        delete j.pad_token_id;
      }),
    );
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    try {
      const q = encoder.tokenize('heat', 'query');
      expect(q.ids).toEqual(ids(['[CLS]', '[Q] ', 'heat', '[SEP]', ...masks(8)]));
      expect(encoder.tokenize('heat', 'document').ids).toEqual(ids(['[CLS]', '[D] ', 'heat', '[SEP]']));
    } finally {
      await encoder.close();
      copy.cleanup();
    }
  });

  it('inserts no prefix when the prefix is empty, using the full length for text', async () => {
    const copy = fixtureCopy((dir) =>
      editJson(join(dir, 'onnx_config.json'), (j) => {
        j.query_prefix = '';
        delete j.query_prefix_id;
      }),
    );
    const encoder = await OnnxColbertEncoder.load(copy.dir);
    try {
      const t = encoder.tokenize('cell protein gene dna rna cancer tumor blood brain heart study result', 'query');
      expect(t.tokens).toEqual(['[CLS]', 'cell', 'protein', 'gene', 'dna', 'rna', 'cancer', 'tumor', 'blood', 'brain', 'heart', '[SEP]']);
    } finally {
      await encoder.close();
      copy.cleanup();
    }
  });

  it('lowercases before tokenizing when do_lower_case is set (and keeps case-sensitive prefixes intact)', async () => {
    const copy = fixtureCopy((dir) => {
      editJson(join(dir, 'tokenizer.json'), (j) => {
        (j.normalizer as Record<string, unknown>).lowercase = false;
      });
    });
    const plain = await OnnxColbertEncoder.load(copy.dir);
    editJson(join(copy.dir, 'onnx_config.json'), (j) => (j.do_lower_case = true));
    const lower = await OnnxColbertEncoder.load(copy.dir);
    try {
      expect(plain.tokenize('Heat', 'document').tokens).toEqual(['[CLS]', '[D] ', '[UNK]', '[SEP]']);
      expect(lower.tokenize('Heat', 'document').tokens).toEqual(['[CLS]', '[D] ', 'heat', '[SEP]']);
    } finally {
      await plain.close();
      await lower.close();
      copy.cleanup();
    }
  });
});
