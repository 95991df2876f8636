import { InputError, LateIndexError, UsageError, type ErrorCode } from '../../shared/index.js';
import { BinaryCodec } from './binary-codec.js';
import { CentroidResidualCodec } from './centroid-residual-codec.js';
import { Float16Codec } from './float16-codec.js';
import { Float32Codec } from './float32-codec.js';
import { Int8Codec } from './int8-codec.js';
import { ResidualCodec } from './residual-codec.js';
import { HOST_IS_LITTLE_ENDIAN, isTrainableCodec, type VectorCodec } from './vector-codec.js';

/** Every codec name an index can be built with (`index --quantize`, the manifest's `quantization`, sweeps). */
export const CODEC_NAMES = [
  'float32', 'float16', 'int8', 'binary', 'residual:1', 'residual:2', 'residual:4', 'plaid:1', 'plaid:2', 'plaid:4',
] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

export function isCodecName(name: string): name is CodecName {
  return (CODEC_NAMES as readonly string[]).includes(name);
}

/** The codec a `--quantize` value names (case and surrounding spaces ignored); else a UsageError with `code`. */
export function parseCodecName(name: string, code: ErrorCode = 'invalid_quantization'): CodecName {
  const normalized = name.trim().toLowerCase();
  if (!isCodecName(normalized)) throw new UsageError(`--quantize: unknown codec "${name}" (valid: ${CODEC_NAMES.join(', ')})`, code);
  return normalized;
}

/** Whether the codec must be trained on a sample of vectors before the first write (residual codes). */
export function codecNeedsTraining(name: string): boolean {
  return name.startsWith('residual:') || isPlaidCodec(name);
}

/**
 * Whether the codec is the PLAID one (a codebook of up to 2^18 centroids, centroid id + residual per row): an index
 * stored with it finds candidates through its inverted file instead of an HNSW graph (`CentroidVectorIndex`).
 */
export function isPlaidCodec(name: string): boolean {
  return name.startsWith('plaid:');
}

/**
 * The codec for a stored quantization name. `state` is the persisted output of `TrainableCodec.state()` for
 * trained codecs (restored into the codec); stateless codecs ignore it.
 */
export function createCodec(name: string, state?: Uint8Array): VectorCodec {
  if (!HOST_IS_LITTLE_ENDIAN) throw new LateIndexError('unsupported_platform', 'lateindex stores vectors little-endian and needs a little-endian host');
  let codec: VectorCodec;
  switch (name) {
    case 'float32':
      codec = new Float32Codec();
      break;
    case 'float16':
      codec = new Float16Codec();
      break;
    case 'int8':
      codec = new Int8Codec();
      break;
    case 'binary':
      codec = new BinaryCodec();
      break;
    case 'residual:1':
    case 'residual:2':
    case 'residual:4':
      codec = new ResidualCodec(Number(name.slice('residual:'.length)));
      break;
    case 'plaid:1':
    case 'plaid:2':
    case 'plaid:4':
      codec = new CentroidResidualCodec(Number(name.slice('plaid:'.length)));
      break;
    default:
      throw new InputError(`unknown quantization "${name}" (expected one of ${CODEC_NAMES.join(', ')})`, undefined, 'quantization');
  }
  if (state !== undefined && isTrainableCodec(codec)) codec.restore(state);
  return codec;
}
