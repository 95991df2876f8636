export * from './multivector.js';
export * from './records.js';
export * from './errors.js';
export * from './error-codes.js';
export * as wasmAssembler from './wasm-assembler.js';
export * from './random.js';
export * from './idf.js';
export * from './stopwords.js';
export * from './read-lines.js';
