export * from './sparse-types.js';
export * from './prepared-query.js';
export * from './top-scores.js';
export * from './block-scoring.js';
export * from './block-max-pruning.js';
export * from './exhaustive-taat.js';
export * from './document-scores.js';
