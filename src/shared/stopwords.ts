import { eng } from 'stopword';

/**
 * English stopwords from the maintained `stopword` package (its `eng` list, lowercased): the static encoder and
 * the BM25 analyzer skip the same words. The version is pinned because the list is part of the static encoder's
 * identity hash.
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(eng.map((w) => w.toLowerCase()));
