/**
 * English stopwords among subword tokens, for the `skiplist` pruner: NLTK's list, which also holds the pieces
 * subword tokenizers cut contractions into ("didn", "t", "ll"), so it is broader than `WORD_STOPWORDS`
 * (src/shared), whose words are whole. Kept apart because changing either list would change what existing
 * indexes stored (encoder identity, sparse terms, pruned rows).
 */
export const SUBWORD_STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against ain all am an and any are aren as at be because been before being below ' +
    'between both but by can couldn d did didn do does doesn doing don down during each few for from further ' +
    'had hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it ' +
    'its itself just ll m ma me mightn more most mustn my myself needn no nor not now o of off on once only or ' +
    'other our ours ourselves out over own re s same shan she should shouldn so some such t than that the ' +
    'their theirs them themselves then there these they this those through to too under until up ve very was ' +
    'wasn we were weren what when where which while who whom why will with won wouldn y you your yours ' +
    'yourself yourselves'
  ).split(' '),
);

const PUNCTUATION_ONLY = /^[\p{P}\p{S}]+$/u;
/** Word-start markers of byte-level BPE (`Ġ`) and SentencePiece (`▁`). */
const WORD_START_MARKER = /^(Ġ|▁)/u;

/**
 * True when `token` is an English stopword or consists only of punctuation/symbols. WordPiece continuations
 * (`##s`) are parts of longer words, so only their punctuation counts.
 */
export function isSkippableToken(token: string): boolean {
  if (token.startsWith('##')) return token.length > 2 && PUNCTUATION_ONLY.test(token.slice(2));
  const bare = token.replace(WORD_START_MARKER, '').trim();
  if (bare.length === 0) return token.length > 0;
  return PUNCTUATION_ONLY.test(bare) || SUBWORD_STOPWORDS.has(bare.toLowerCase());
}
