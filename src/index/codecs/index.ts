export * from './vector-codec.js';
export * from './float32-codec.js';
export * from './float16-codec.js';
export * from './int8-codec.js';
export * from './registry.js';
