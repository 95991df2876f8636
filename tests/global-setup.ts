import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { distIsFresh } from '../scripts/build-stamp.js';
import { loadCachedTable } from '../src/encode/static/table-cache.js';

const ROOT = resolve(__dirname, '..');

/**
 * Compiles dist/ when it is missing or stale, so that tests spawning bin/lateindex.js run the compiled code users
 * run (the bin itself falls back to the sources when dist/ is stale, so old code can never pass for new).
 * Builds the embedded encoder's cached embedding table once, before any test file runs, so that test
 * processes load it (about a second) instead of racing to convert the 300 MB JSON.
 */
export default function setup(): void {
  if (!distIsFresh(ROOT)) {
    process.stderr.write('[global-setup] compiling src/ to dist/ (npm run build)\n');
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.js')], { cwd: ROOT, stdio: 'inherit' });
  }
  const started = performance.now();
  const { path, conversion } = loadCachedTable({
    onConvert: (reason) => process.stderr.write(`[global-setup] converting the embedding table once (${reason})\n`),
  });
  if (conversion) {
    process.stderr.write(
      `[global-setup] wrote ${path} (${conversion.rows} rows) in ${Math.round(performance.now() - started)} ms\n`,
    );
  }
}
