import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The web console: built into console/dist, which `lateindex serve` serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // vega (the sweep charts) is one large chunk, loaded only on the Sweeps page.
    chunkSizeWarningLimit: 1200,
  },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // vega's own minified bundle is 182 KB gzipped; bundling its ES modules here gives 261 KB (esbuild minifies less).
  resolve: { alias: { vega: fileURLToPath(new URL('../node_modules/vega/build/vega.min.js', import.meta.url)) } },
});
