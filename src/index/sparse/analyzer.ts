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
