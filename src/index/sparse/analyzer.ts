import { stemmer } from 'stemmer';
import { WORD_STOPWORDS } from '../../shared/stopwords.js';

/** English stopwords the analyzer removes (the same list as the static encoder's). */
export const SPARSE_STOPWORDS: ReadonlySet<string> = WORD_STOPWORDS;

/**
 * A word: letters/digits/marks, joined by an apostrophe between letters ("don't") or by `.`/`,` between
 * digits ("3.5", "1,000"), close to Lucene's StandardTokenizer (UAX #29) for English text.
 */
const WORD = /[\p{L}\p{M}\p{N}]+(?:(?:['\u2019][\p{L}\p{M}]+)|(?:[.,]\p{N}+))*/gu;
const POSSESSIVE = /['\u2019]s$/u;

/** Lowercased, possessive-stripped words of `text` before stopword removal and stemming. */
export function tokenize(text: string): string[] {
  const words = text.toLowerCase().match(WORD);
  if (words === null) return [];
  for (let i = 0; i < words.length; i++) words[i] = words[i]!.replace(POSSESSIVE, '');
  return words;
}

/**
 * BM25 terms of `text`, in order and with repeats: lowercase, Unicode word split, possessive `'s` dropped,
 * English stopwords removed, Porter-stemmed. Queries and documents go through the same function.
 */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const word of tokenize(text)) {
    if (SPARSE_STOPWORDS.has(word)) continue;
    terms.push(stemmer(word));
  }
  return terms;
}

/** A BM25 term and the UTF-16 range `[start, end)` of the word it came from in the analysed text. */
export interface TermSpan {
  readonly term: string;
  readonly start: number;
  readonly end: number;
}

/**
 * `analyze` with where each term came from (for highlighting): the same words, lowercased per word, so every
 * offset points into `text` as given.
 */
export function analyzeSpans(text: string): TermSpan[] {
  const spans: TermSpan[] = [];
  for (const match of text.matchAll(WORD)) {
    const word = match[0].toLowerCase().replace(POSSESSIVE, '');
    if (SPARSE_STOPWORDS.has(word)) continue;
    spans.push({ term: stemmer(word), start: match.index, end: match.index + match[0].length });
  }
  return spans;
}
