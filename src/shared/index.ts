export * from './multivector.js';
export * from './records.js';
export * from './errors.js';
export * from './error-codes.js';
export * from './random.js';
export * from './idf.js';
export * from './stopwords.js';
export * from './read-lines.js';
