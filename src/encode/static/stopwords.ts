import { createRequire } from 'node:module';

/** English stopwords from the maintained `stopword` npm package (its `eng` list), lowercased. */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  (createRequire(import.meta.url)('stopword') as { eng: readonly string[] }).eng.map((w) => w.toLowerCase()),
);
