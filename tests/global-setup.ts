import { loadCachedTable } from '../src/encode/static/table-cache.js';

/**
 * Builds the embedded encoder's cached embedding table once, before any test file runs, so that test
 * processes load it (about a second) instead of racing to convert the 300 MB JSON.
 */
export default function setup(): void {
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
