import { describe, expect, it } from 'vitest';
import { WordTokenizer } from '../../src/encode/static/word-tokenizer.js';
import { WORD_STOPWORDS } from '../../src/shared/stopwords.js';

const words = [
  'protein', 'binding', 'il-6', 'well-known', 'naive', 'cafe', 'associated', 'alzheimer', 'disease',
  'covid', 'dont', 'don', 'cells', 't', 'the', 'of', 'p53', 'levels', 'increase',
];
const vocabulary = { rowOf: (word: string) => words.indexOf(word) };
const stopwords = new Set(['the', 'of', 'and', 'a', 'in', 'is']);
const tokenizer = new WordTokenizer(vocabulary, stopwords);

describe('WordTokenizer', () => {
  it('lowercases, drops stopwords and punctuation, keeps order', () => {
    expect(tokenizer.tokenize('The Binding of P53 -- increase, (levels)!')).toEqual([
      'binding', 'p53', 'increase', 'levels',
    ]);
  });

  it('keeps an in-vocabulary hyphenated word whole and splits an unknown one at its hyphens', () => {
    expect(tokenizer.tokenize('IL-6 well-known BRCA1-associated')).toEqual([
      'il-6', 'well-known', 'brca1', 'associated',
    ]);
    // A split part may itself be a stopword and is dropped then.
    expect(tokenizer.tokenize('state-of-the-art')).toEqual(['state', 'art']);
    // Unicode hyphens behave like '-'; en dashes separate.
    expect(tokenizer.tokenize('il\u20106 10\u201320')).toEqual(['il-6', '10', '20']);
  });

  it('joins decimal numbers and thousands, splits other punctuation between digits', () => {
    expect(tokenizer.tokenize('3.5 mg, 10,000 cells; 1/2 or 0.05.')).toEqual([
      '3.5', 'mg', '10000', 'cells', '1', '2', 'or', '0.05',
    ]);
    // Commas not in thousands groups stay inside the (unknown, kept whole) candidate.
    expect(tokenizer.tokenize('1,2-dichloroethane')).toEqual(['1,2', 'dichloroethane']);
  });

  it('drops possessives and splits unknown contractions keeping parts longer than one letter', () => {
    expect(tokenizer.tokenize("Alzheimer's disease")).toEqual(['alzheimer', 'disease']);
    expect(tokenizer.tokenize('Alzheimer\u2019s')).toEqual(['alzheimer']);
    expect(tokenizer.tokenize("don't o'neill")).toEqual(['don', 'neill']);
    // A quote that is not between letters is punctuation.
    expect(tokenizer.tokenize("'protein'")).toEqual(['protein']);
  });

  it('normalises compatibility forms and falls back to the form without diacritics', () => {
    expect(tokenizer.tokenize('NAÏVE Café')).toEqual(['naive', 'cafe']);
    // Unknown accented words stay as they are (NFKC, lowercased).
    expect(tokenizer.tokenize('Ångström')).toEqual(['ångström']);
    // NFKC: full-width letters and the "ﬁ" ligature become plain ASCII.
    expect(tokenizer.tokenize('ＰＲＯＴＥＩＮ ﬁbrosis')).toEqual(['protein', 'fibrosis']);
  });

  it('handles non-Latin scripts as words and returns nothing for punctuation-only text', () => {
    expect(tokenizer.tokenize('Белок 蛋白质, α-synuclein')).toEqual(['белок', '蛋白质', 'α', 'synuclein']);
    expect(tokenizer.tokenize(' ... -- !! ')).toEqual([]);
    expect(tokenizer.tokenize('')).toEqual([]);
  });

  it('reports the vocabulary row of each kept token, -1 when out of vocabulary', () => {
    expect(tokenizer.tokenizeWithRows('Protein xyz IL-6 naïve')).toEqual({
      tokens: ['protein', 'xyz', 'il-6', 'naive'],
      rows: [words.indexOf('protein'), -1, words.indexOf('il-6'), words.indexOf('naive')],
    });
  });

  it('uses the stopword package English list', () => {
    for (const word of ['the', 'and', 'of', 'which', 'because']) expect(WORD_STOPWORDS.has(word)).toBe(true);
    for (const word of ['protein', 'cancer', 'gene']) expect(WORD_STOPWORDS.has(word)).toBe(false);
    const real = new WordTokenizer(vocabulary, WORD_STOPWORDS);
    expect(real.tokenize('The levels of protein and the cells')).toEqual(['levels', 'protein', 'cells']);
  });

  describe('token spans', () => {
    /** [token, the source text the span covers] pairs. */
    const spanned = (text: string) => {
      const out = tokenizer.tokenizeWithSpans(text)!;
      return out.tokens.map((token, i) => [token, text.slice(out.spans[2 * i], out.spans[2 * i + 1])]);
    };

    it('give each token the characters of the source text it was read from (hand-checked)', () => {
      const text = "The Binding of P53 -- 10,000 cells; Alzheimer's BRCA1-associated, don't stop.";
      expect(spanned(text)).toEqual([
        ['binding', 'Binding'], ['p53', 'P53'], ['10000', '10,000'], ['cells', 'cells'], ['alzheimer', 'Alzheimer'],
        ['brca1', 'BRCA1'], ['associated', 'associated'], ['don', 'don'], ['stop', 'stop'],
      ]);
      const out = tokenizer.tokenizeWithSpans(text)!;
      expect(Array.from(out.spans.subarray(0, 4))).toEqual([4, 11, 15, 18]);
      // Same tokens and rows as the plain tokenizer.
      expect({ tokens: out.tokens, rows: out.rows }).toEqual(tokenizer.tokenizeWithRows(text));
    });

    it('point into the text as given when normalisation changes lengths', () => {
      // "ﬁ" (1 unit) becomes "fi" (2); full-width letters stay one unit each; a decomposed é is two units; İ lowercases to two.
      const text = 'ﬁbrosis ＰＲＯＴＥＩＮ Cafe\u0301 NAÏVE İstanbul 蛋白质';
      expect(spanned(text)).toEqual([
        ['fibrosis', 'ﬁbrosis'], ['protein', 'ＰＲＯＴＥＩＮ'], ['cafe', 'Cafe\u0301'], ['naive', 'NAÏVE'], ['i\u0307stanbul', 'İstanbul'],
        ['蛋白质', '蛋白质'],
      ]);
    });

    it('cover nothing for text without tokens', () => {
      expect(tokenizer.tokenizeWithSpans(' ... the of ')).toEqual({ tokens: [], rows: [], spans: new Int32Array(0) });
    });
  });
});
