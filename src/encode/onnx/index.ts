export { OnnxColbertEncoder, type OnnxColbertLoadOptions } from './onnx-colbert-encoder.js';
export { ColbertTokenizer, type ColbertTokens, type TextKind } from './colbert-tokenizer.js';
export {
  loadColbertModelConfig,
  COLBERT_CONFIG_FILES,
  PYLATE_DEFAULT_SKIPLIST,
  type ColbertModelConfig,
} from './model-config.js';
