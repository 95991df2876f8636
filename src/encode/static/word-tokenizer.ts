/**
 * Splits text into the words the static encoder embeds, one per kept token, in text order.
 *
 * Rules (any change here must bump WORD_TOKENIZER_SPEC, which feeds the encoder identity):
 * 1. The text is NFKC-normalised and lowercased.
 * 2. A candidate is a maximal run of letters, marks and digits, where these connectors join runs:
 *    a hyphen (- U+2010 U+2011, all read as '-') anywhere; an apostrophe (' U+2019) between two letters; '.' or ',' between
 *    two digits (so "3.5", "10,000" and "il-6" are one candidate). Everything else is a separator.
 * 3. A trailing possessive "'s" is dropped ("alzheimer's" -> "alzheimer"); "10,000" becomes "10000".
 * 4. A candidate in the vocabulary is one token. Otherwise a hyphenated candidate is split at its hyphens and
 *    each part is handled by rules 4-5 ("brca1-associated" -> "brca1", "associated"); an apostrophe word is split
 *    at its apostrophes, keeping parts longer than one letter ("don't" -> "don").
 * 5. A word still missing from the vocabulary is tried without diacritics ("naïve" -> "naive"); failing that
 *    it is kept as-is as an out-of-vocabulary token (the encoder gives it a hashed vector).
 * 6. Stopwords are dropped (checked on each final token). Punctuation never forms a token.
 */
export const WORD_TOKENIZER_SPEC = 'nfkc-lower;hyphen-apos-decimal-join;vocab-first-split;strip-marks;v1';

const CANDIDATE =
  /[\p{L}\p{M}\p{N}]+(?:(?:[-\u2010\u2011]|(?<=\p{L})['\u2019](?=\p{L})|(?<=\p{N})[.,](?=\p{N}))[\p{L}\p{M}\p{N}]+)*/gu;
const HYPHENS = /-/;
const UNICODE_HYPHENS = /[\u2010\u2011]/g;
const APOSTROPHES = /['\u2019]/;
const POSSESSIVE = /['\u2019]s$/;
const THOUSANDS = /^\d{1,3}(?:,\d{3})+$/;
const MARKS = /\p{M}/gu;

export interface Vocabulary {
  has(word: string): boolean;
}

export class WordTokenizer {
  constructor(
    private readonly vocabulary: Vocabulary,
    private readonly stopwords: ReadonlySet<string>,
  ) {}

  tokenize(text: string): string[] {
    const tokens: string[] = [];
    for (const match of text.normalize('NFKC').toLowerCase().matchAll(CANDIDATE)) {
      let word = match[0].replace(UNICODE_HYPHENS, '-').replace(POSSESSIVE, '');
      if (THOUSANDS.test(word)) word = word.replaceAll(',', '');
      this.emit(word, tokens);
    }
    return tokens;
  }

  private emit(word: string, tokens: string[]): void {
    if (word.length === 0) return;
    if (this.vocabulary.has(word)) {
      this.keep(word, tokens);
    } else if (HYPHENS.test(word)) {
      for (const part of word.split(HYPHENS)) this.emit(part, tokens);
    } else if (APOSTROPHES.test(word)) {
      for (const part of word.split(APOSTROPHES)) if (part.length > 1) this.emit(part, tokens);
    } else {
      const plain = word.normalize('NFD').replace(MARKS, '');
      this.keep(plain !== word && plain.length > 0 && this.vocabulary.has(plain) ? plain : word, tokens);
    }
  }

  private keep(word: string, tokens: string[]): void {
    if (!this.stopwords.has(word)) tokens.push(word);
  }
}
