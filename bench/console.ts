/**
 * `npm run bench -- console [--dataset scifact] [--loads 5] [--queries 50]`: the web console's figures and the cost of
 * explaining hits. (1) JS + CSS of the built console, gzipped: all of it and what the first page loads; (2) first
 * load in headless Chromium on loopback, to the index list drawn (median of fresh tabs); (3) REST search p50 for
 * top 10 with and without `token_scores` (which re-encodes each hit's text to name its matched tokens), on an index
 * of the dataset built here, unreduced and ward:2.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUILT_CONSOLE_DIR } from '../src/api/index.js';
import { StaticEncoder } from '../src/encode/index.js';
import { loadBeirSplit } from '../src/eval/index.js';
import { ensureConsoleBuilt, launchBrowser, startConsoleServer, tempDir } from '../tests/console/harness.js';
import { DATA, buildIndex } from './_common.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const dataset = option('dataset', 'scifact');
const loads = Number(option('loads', '5'));
const queryCount = Number(option('queries', '50'));

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  await ensureConsoleBuilt();
  const assets = readdirSync(path.join(BUILT_CONSOLE_DIR, 'assets')).filter((f) => /\.(js|css)$/.test(f));
  const gz = (f: string) => gzipSync(readFileSync(path.join(BUILT_CONSOLE_DIR, 'assets', f)), { level: 9 }).length;
  const page = readFileSync(path.join(BUILT_CONSOLE_DIR, 'index.html'), 'utf8');
  const initial = assets.filter((f) => page.includes(f));
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(`console JS + CSS gzipped: ${kib(assets.reduce((s, f) => s + gz(f), 0))} in ${assets.length} files; first page: ${kib(initial.reduce((s, f) => s + gz(f), 0))} (${initial.join(', ')})`);

  const root = tempDir();
  const encoder = await StaticEncoder.load();
  const dirs: string[] = [];
  for (const reduce of ['none', 'ward:2']) {
    const dir = path.join(root, reduce === 'none' ? 'plain' : 'pooled');
    const { index, seconds } = await buildIndex(dataset, dir, encoder, { reduce });
    await index.close();
    console.log(`built ${dataset} ${reduce} in ${seconds.toFixed(1)} s`);
    dirs.push(dir);
  }
  await encoder.close();
  const server = await startConsoleServer(dirs, { searchThreads: 0 });
  const browser = await launchBrowser();
  try {
    const times: number[] = [];
    for (let i = 0; i < loads; i++) {
      const tab = await browser.newPage();
      const started = Date.now();
      await tab.goto(`${server.url}/`);
      await tab.waitForSelector('[data-testid=index-select] option[value=plain]', { state: 'attached' });
      times.push(Date.now() - started);
      await tab.close();
    }
    console.log(`first load to the index list: median ${median(times)} ms over ${loads} fresh tabs (${times.join(', ')} ms)`);

    const { queries } = await loadBeirSplit(path.join(DATA, dataset), 'test');
    const texts = [...queries.values()].slice(0, queryCount);
    for (const name of ['plain', 'pooled']) {
      const p50 = async (include: string[]): Promise<number> => {
        const took: number[] = [];
        for (const query of texts) {
          const started = performance.now();
          const res = await fetch(`${server.url}/v1/indexes/${name}/search`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, top_k: 10, include }),
          });
          await res.json();
          took.push(performance.now() - started);
        }
        return median(took);
      };
      await p50([]); // warm-up
      const plain = await p50([]);
      const explained = await p50(['token_scores']);
      console.log(`${name}: search p50 ${plain.toFixed(1)} ms, with token_scores ${explained.toFixed(1)} ms (${(explained / plain).toFixed(2)}x) over ${texts.length} queries, top 10`);
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
