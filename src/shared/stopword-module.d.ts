/** `stopword` ships no type declarations; only the English list is used. */
declare module 'stopword' {
  /** English stopwords, lowercase. */
  export const eng: readonly string[];
}
