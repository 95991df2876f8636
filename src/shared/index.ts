export * from './multivector.js';
export * from './records.js';
export * from './errors.js';
export * from './wasm-assembler.js';
