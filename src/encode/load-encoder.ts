import { EncoderError, UsageError } from '../shared/index.js';
import { describeEncoder, sameEncoder, type Encoder, type EncoderIdentity } from './encoder.js';
import { OnnxColbertEncoder } from './onnx/onnx-colbert-encoder.js';
import { PrecomputedEncoder } from './precomputed-encoder.js';
import { StaticEncoder } from './static/static-encoder.js';

export interface EncoderOptions {
  /** Local ONNX ColBERT model directory; absent = the embedded static encoder. */
  readonly model?: string;
  readonly int8?: boolean;
  readonly threads?: number;
  readonly batchSize?: number;
  /** Told about slow one-time work (converting the embedded table on first use). */
  readonly onStatus?: (message: string) => void;
}

/** The encoder for building a new index: the ONNX model when given, else the embedded default. */
export async function loadEncoder(options: EncoderOptions = {}): Promise<Encoder> {
  if (options.model) {
    return OnnxColbertEncoder.load(options.model, {
      ...(options.int8 !== undefined && { int8: options.int8 }),
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    });
  }
  const onStatus = options.onStatus;
  return StaticEncoder.load(
    onStatus ? { onConvert: (reason) => onStatus(`preparing the embedded encoder's table cache (${reason}); this happens once`) } : {},
  );
}

/**
 * The encoder for an existing index: the one it was built with. `modelPath` falls back to the path recorded at
 * build time; the loaded encoder's identity must equal the index's, or vectors would be silent garbage.
 */
export async function loadEncoderFor(
  identity: EncoderIdentity,
  options: EncoderOptions & { recordedModelPath?: string } = {},
): Promise<Encoder> {
  if (identity.kind === 'precomputed') return new PrecomputedEncoder(identity.dim);
  if (identity.kind === 'onnx' && !options.model && !options.recordedModelPath) {
    throw new UsageError(`this index was built with ONNX model "${identity.name}": pass its directory with --model`);
  }
  const encoder =
    identity.kind === 'static'
      ? await loadEncoder({ ...(options.onStatus && { onStatus: options.onStatus }) })
      : await loadEncoder({ ...options, model: options.model ?? options.recordedModelPath });
  if (!sameEncoder(encoder.identity, identity)) {
    await encoder.close();
    throw new EncoderError(
      'encoder_mismatch',
      `the index was built with encoder ${describeEncoder(identity)}, but ${describeEncoder(encoder.identity)} was loaded`,
    );
  }
  return encoder;
}
