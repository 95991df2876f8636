import { InputError, LateIndexError } from '../../shared/index.js';
import type { QuantizationName } from '../types.js';
import { Float16Codec } from './float16-codec.js';
import { Float32Codec } from './float32-codec.js';
import { Int8Codec } from './int8-codec.js';
import { HOST_IS_LITTLE_ENDIAN, type VectorCodec } from './vector-codec.js';

export const QUANTIZATION_NAMES: readonly QuantizationName[] = ['float32', 'float16', 'int8'];

export function isQuantizationName(name: string): name is QuantizationName {
  return (QUANTIZATION_NAMES as readonly string[]).includes(name);
}

/**
 * The codec for a stored quantization name. `state` is the persisted output of `VectorCodec.state()` for trained
 * codecs; stateless codecs ignore it.
 */
export function createCodec(name: string, _state?: Uint8Array): VectorCodec {
  if (!HOST_IS_LITTLE_ENDIAN) throw new LateIndexError('unsupported_platform', 'lateindex stores vectors little-endian and needs a little-endian host');
  switch (name) {
    case 'float32':
      return new Float32Codec();
    case 'float16':
      return new Float16Codec();
    case 'int8':
      return new Int8Codec();
    default:
      throw new InputError(`unknown quantization "${name}" (expected one of ${QUANTIZATION_NAMES.join(', ')})`, undefined, 'quantization');
  }
}
