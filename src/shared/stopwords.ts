import { eng } from 'stopword';

/**
 * English stopwords among whole words, from the maintained `stopword` package (its `eng` list, lowercased): the
 * static encoder's word tokenizer and the BM25 analyzer drop the same words. The version is pinned because the
 * list is part of the static encoder's identity hash (and of every sparse index's terms). Subword tokens have
 * their own list (`SUBWORD_STOPWORDS`, src/pool).
 */
export const WORD_STOPWORDS: ReadonlySet<string> = new Set(eng.map((w) => w.toLowerCase()));
