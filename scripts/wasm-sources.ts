import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

/** The repository's `src` folder, where every kernel's `.wat` source sits beside its `.wasm` and wrapper. */
export const SOURCE_ROOT = fileURLToPath(new URL('../src/', import.meta.url));

/** Every `.wat` (or, with `extension`, `.wasm`) file below `root`, sorted. */
export function kernelFiles(extension: '.wat' | '.wasm' = '.wat', root = SOURCE_ROOT): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(extension))
    .map((file) => path.join(root, file))
    .sort();
}

/** The committed binary's path for a `.wat` source. */
export function binaryPath(watFile: string): string {
  return watFile.replace(/\.wat$/, '.wasm');
}

/**
 * Assembles a `.wat` file with wabt (SIMD enabled, function and local names kept for stack traces and
 * profiles). Deterministic: the same source gives the same bytes. A syntax or validation error throws with the
 * file and line.
 */
export async function assembleWat(watFile: string): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat(path.basename(watFile), readFileSync(watFile, 'utf8'), { simd: true });
  try {
    module.validate();
    return module.toBinary({ write_debug_names: true }).buffer;
  } finally {
    module.destroy();
  }
}
