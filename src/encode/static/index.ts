export { StaticEncoder, STATIC_ENCODER_NAME, staticEncoderHash, type StaticEncoderOptions } from './static-encoder.js';
export { EmbeddingTable, InvalidTableFile } from './embedding-table.js';
export { WordTokenizer, WORD_TOKENIZER_SPEC, type Vocabulary, type TokenizedText } from './word-tokenizer.js';
export { writeHashedVector, HASHED_VECTOR_SPEC } from './hashed-vector.js';
export {
  loadCachedTable,
  defaultCacheDir,
  winkTableSource,
  cachedTablePath,
  type TableSource,
  type TableCacheOptions,
  type CachedTable,
} from './table-cache.js';
export { convertEmbeddingJson, type ConversionResult } from './table-converter.js';
