import { mapGraphemes, sourceRange } from '../text-offsets.js';

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
const UNICODE_HYPHENS = /[\u2010\u2011]/g;
const APOSTROPHES = /['\u2019]/;
const THOUSANDS = /^\d{1,3}(?:,\d{3})+$/;
const MARKS = /\p{M}/gu;
const NON_ASCII = /[^\x00-\x7f]/;

export interface Vocabulary {
  /** Row of `word`, or -1 when it is not in the vocabulary. */
  rowOf(word: string): number;
}

/** Kept words in text order, with each word's vocabulary row (-1 for out-of-vocabulary words). */
export interface TokenizedText {
  readonly tokens: string[];
  readonly rows: number[];
}

/** `TokenizedText` plus where each token was read: `spans[2i]`, `spans[2i + 1]` = [start, end) in the source text. */
export interface SpannedText extends TokenizedText {
  readonly spans: Int32Array;
}

function normalizeWord(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export class WordTokenizer {
  constructor(
    private readonly vocabulary: Vocabulary,
    private readonly stopwords: ReadonlySet<string>,
  ) {}

  tokenize(text: string): string[] {
    return this.tokenizeWithRows(text).tokens;
  }

  tokenizeWithRows(text: string): TokenizedText {
    return this.scan(normalizeWord(text), undefined);
  }

  /**
   * The tokens of `tokenizeWithRows(text)` with the characters of `text` each was read from (a possessive's "'s" is
   * not part of its word; a thousands number spans its commas). Undefined in the rare case where normalising the
   * text grapheme by grapheme differs from normalising it whole, since offsets could then not be trusted.
   */
  tokenizeWithSpans(text: string): SpannedText | undefined {
    const mapped = mapGraphemes(text, normalizeWord);
    if (mapped.text !== normalizeWord(text)) return undefined;
    const ranges: number[] = [];
    const { tokens, rows } = this.scan(mapped.text, ranges);
    const spans = new Int32Array(ranges.length);
    for (let i = 0; i < ranges.length; i += 2) {
      const [start, end] = sourceRange(mapped, ranges[i]!, ranges[i + 1]!);
      spans[i] = start;
      spans[i + 1] = end;
    }
    return { tokens, rows, spans };
  }

  /** Tokenizes normalised text; with `spans`, pushes each kept token's [start, end) in `normalized`. */
  private scan(normalized: string, spans: number[] | undefined): TokenizedText {
    const out: TokenizedText = { tokens: [], rows: [] };
    for (const match of normalized.matchAll(CANDIDATE)) {
      let word = match[0];
      let end = match.index + word.length;
      if (word.length > 2 && (word.endsWith("'s") || word.endsWith('\u2019s'))) {
        word = word.slice(0, -2);
        end -= 2;
      }
      if (word.includes('\u2010') || word.includes('\u2011')) word = word.replace(UNICODE_HYPHENS, '-');
      // Dropping thousands separators shortens the word but not its span; such a word is never split below.
      if (word.includes(',') && THOUSANDS.test(word)) word = word.replaceAll(',', '');
      this.emit(word, match.index, end, out, spans);
    }
    return out;
  }

  /** `word` was read from [start, end) of the normalised text; its parts keep their own positions when split. */
  private emit(word: string, start: number, end: number, tokens: TokenizedText, spans: number[] | undefined): void {
    if (word.length === 0) return;
    const row = this.vocabulary.rowOf(word);
    if (row >= 0) {
      this.keep(word, row, tokens, start, end, spans);
    } else if (word.includes('-')) {
      this.emitParts(word.split('-'), start, tokens, spans, 0);
    } else if (word.includes("'") || word.includes('\u2019')) {
      this.emitParts(word.split(APOSTROPHES), start, tokens, spans, 2);
    } else if (NON_ASCII.test(word)) {
      const plain = word.normalize('NFD').replace(MARKS, '');
      const plainRow = plain !== word && plain.length > 0 ? this.vocabulary.rowOf(plain) : -1;
      if (plainRow >= 0) this.keep(plain, plainRow, tokens, start, end, spans);
      else this.keep(word, -1, tokens, start, end, spans);
    } else {
      this.keep(word, -1, tokens, start, end, spans);
    }
  }

  /** Parts of a word split at one-character separators, each emitted at its own offset when at least `minLength` long. */
  private emitParts(parts: readonly string[], start: number, tokens: TokenizedText, spans: number[] | undefined, minLength: number): void {
    let at = start;
    for (const part of parts) {
      if (part.length >= minLength) this.emit(part, at, at + part.length, tokens, spans);
      at += part.length + 1;
    }
  }

  private keep(word: string, row: number, out: TokenizedText, start: number, end: number, spans: number[] | undefined): void {
    if (this.stopwords.has(word)) return;
    out.tokens.push(word);
    out.rows.push(row);
    spans?.push(start, end);
  }
}
