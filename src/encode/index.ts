export type { Encoder, EncoderIdentity } from './encoder.js';
export { PrecomputedEncoder } from './precomputed-encoder.js';
export { loadEncoder, loadEncoderFor, sameEncoder, describeEncoder, type EncoderOptions } from './load-encoder.js';
