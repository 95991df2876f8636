export { sameEncoder, describeEncoder, type DocumentTokenSpans, type Encoder, type EncoderIdentity } from './encoder.js';
export { PrecomputedEncoder } from './precomputed-encoder.js';
export { loadEncoder, loadEncoderFor, type EncoderOptions } from './load-encoder.js';
export {
  OnnxColbertEncoder,
  ColbertTokenizer,
  loadColbertModelConfig,
  COLBERT_CONFIG_FILES,
  PYLATE_DEFAULT_SKIPLIST,
  type OnnxColbertLoadOptions,
  type ColbertTokens,
  type TextKind,
  type ColbertModelConfig,
} from './onnx/index.js';
export {
  StaticEncoder,
  STATIC_ENCODER_NAME,
  defaultCacheDir,
  type StaticEncoderOptions,
} from './static/index.js';
