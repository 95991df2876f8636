export * from './types.js';
export * from './codecs/index.js';
export * from './manifest.js';
export * from './token-graph.js';
export * from './late-index.js';
export * from './disk-usage.js';
export * from './corpus-reader.js';
export * from './builder.js';
