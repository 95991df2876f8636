import path from 'node:path';
import { loadEncoderFor, type Encoder, type EncoderOptions } from '../../encode/index.js';
import { LateIndex } from '../../index/index.js';
import { UsageError } from '../../shared/index.js';
import { note } from '../output.js';

/**
 * Opens an index together with the encoder it was built with (checked against the manifest's identity).
 * `--model`, `--int8` and `--threads` configure an ONNX model, so for an index of another encoder they are usage
 * errors rather than silently ignored.
 */
export async function openIndexWithEncoder(
  dir: string,
  options: EncoderOptions & { readOnly: boolean },
): Promise<{ index: LateIndex; encoder: Encoder }> {
  const index = await LateIndex.open(path.resolve(dir), { readOnly: options.readOnly });
  try {
    const { kind, name } = index.manifest.encoder;
    const onnxFlag = options.model !== undefined ? '--model' : options.int8 ? '--int8' : options.threads !== undefined ? '--threads' : undefined;
    if (kind !== 'onnx' && onnxFlag) {
      const built = kind === 'static' ? `the embedded encoder (${name})` : 'precomputed embeddings';
      throw new UsageError(`${onnxFlag} applies to indexes of an ONNX model; this index was built with ${built}`);
    }
    const encoder = await loadEncoderFor(index.manifest.encoder, {
      onStatus: note,
      ...options,
      ...(index.manifest.encoderSource && { recordedModelPath: index.manifest.encoderSource }),
    });
    return { index, encoder };
  } catch (err) {
    await index.close();
    throw err;
  }
}
