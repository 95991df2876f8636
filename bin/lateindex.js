#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` / `npm run build`) when it was compiled from the current sources;
// otherwise (no dist/, or src/ changed since) runs the TypeScript sources through tsx, which is correct but starts
// several seconds slower, and says so on stderr.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distIsFresh } from '../scripts/build-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let main;
if (distIsFresh(root)) {
  main = path.join(root, 'dist/cli/main.js');
} else {
  process.stderr.write('lateindex: dist/ is missing or was built from other sources; running src/ through tsx (slow start). Run "npm run build".\n');
  const { register } = await import('tsx/esm/api');
  register();
  main = path.join(root, 'src/cli/main.ts');
}
const { runCli } = await import(pathToFileURL(main).href);
// Exit explicitly: native handles (LMDB, ONNX Runtime) must not keep a finished command alive.
process.exit(await runCli(process.argv.slice(2)));
