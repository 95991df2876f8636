// Encoding worker bootstrap. Compiled (dist/), the worker module sits beside this file as JavaScript; from src/,
// worker threads do not inherit the main thread's tsx loader on Node 20, so register it before loading the
// TypeScript module.
import { existsSync } from 'node:fs';

const compiled = new URL('./encoding-worker.js', import.meta.url);
let worker;
if (existsSync(compiled)) {
  worker = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  worker = await import('./encoding-worker.ts');
}
export default worker.default;
