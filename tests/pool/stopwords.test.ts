import { describe, expect, it } from 'vitest';
import { isSkippableToken, SUBWORD_STOPWORDS } from '../../src/pool/stopwords.js';
import { WORD_STOPWORDS } from '../../src/shared/stopwords.js';

describe('the two stopword lists', () => {
  it('the skiplist\'s subword list holds the contraction pieces subword tokenizers emit; the word list does not', () => {
    // "didn't" -> didn ' t, "we'll" -> we ' ll in WordPiece; whole-word analyzers never see these pieces.
    for (const piece of ['didn', 't', 'll', 've', 'doesn']) {
      expect(SUBWORD_STOPWORDS.has(piece), piece).toBe(true);
      expect(WORD_STOPWORDS.has(piece), piece).toBe(false);
      expect(isSkippableToken(piece), piece).toBe(true);
    }
    for (const word of ['the', 'and', 'of']) expect(SUBWORD_STOPWORDS.has(word) && WORD_STOPWORDS.has(word)).toBe(true);
    // The word list (part of the static encoder's identity) keeps negations.
    for (const word of ['not', 'no', 'nor']) expect(WORD_STOPWORDS.has(word), word).toBe(false);
    expect(isSkippableToken('Ġdidn')).toBe(true);
    expect(isSkippableToken('##t')).toBe(false);
  });
});
