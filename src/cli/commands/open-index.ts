import path from 'node:path';
import { loadEncoderFor, type Encoder, type EncoderOptions } from '../../encode/index.js';
import { LateIndex } from '../../index/index.js';
import { say } from '../output.js';

/** Opens an index together with the encoder it was built with (checked against the manifest's identity). */
export async function openIndexWithEncoder(
  dir: string,
  options: EncoderOptions & { readOnly: boolean },
): Promise<{ index: LateIndex; encoder: Encoder }> {
  const index = await LateIndex.open(path.resolve(dir), { readOnly: options.readOnly });
  try {
    const encoder = await loadEncoderFor(index.manifest.encoder, {
      onStatus: say,
      ...options,
      ...(index.manifest.encoderSource && { recordedModelPath: index.manifest.encoderSource }),
    });
    return { index, encoder };
  } catch (err) {
    await index.close();
    throw err;
  }
}
