/**
 * Assembles every WebAssembly kernel source (`src/**\/*.wat`) into the `.wasm` beside it, which is committed:
 * nothing assembles at start-up. Run after editing a `.wat`: `npm run build:wasm`
 * (tests/shared/wasm-sources.test.ts fails while a binary is stale).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { assembleWat, binaryPath, kernelFiles, SOURCE_ROOT } from './wasm-sources.js';

for (const source of kernelFiles()) {
  const bytes = await assembleWat(source);
  writeFileSync(binaryPath(source), bytes);
  console.log(`${path.relative(SOURCE_ROOT, binaryPath(source))}: ${bytes.length} bytes`);
}
