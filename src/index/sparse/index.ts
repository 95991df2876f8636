export * from './types.js';
export * from './analyzer.js';
export * from './impacts.js';
export * from './block-size.js';
export * from './sparse-input.js';
export * from './sparse-store.js';
export * from './graph-bisection.js';
export { decodeBlockRecord, postingKey, readUint32At, MAX_BLOCKS, MAX_TERM_ID } from './encoding.js';
