/**
 * `npm run screenshots`: the README's pictures of the console (search, why this match, sweeps), taken with the
 * browser tests' harness against a fresh server, so they show the console as it is. Writes docs/screenshots/*.png.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../api/fixtures.js';
import { buildConsoleIndexes, ensureConsoleBuilt, launchBrowser, startConsoleServer, tempDir } from './harness.js';

const OUT = path.join(ROOT, 'docs/screenshots');

async function main(): Promise<void> {
  const root = tempDir();
  const [dirs] = await Promise.all([buildConsoleIndexes(root), ensureConsoleBuilt()]);
  const server = await startConsoleServer(dirs, { searchThreads: 0 });
  const browser = await launchBrowser();
  try {
    mkdirSync(OUT, { recursive: true });
    const page = await browser.newPage();
    const shoot = async (name: string, hash: string, ready: string, prepare?: () => Promise<void>) => {
      await page.goto(`${server.url}/${hash}`);
      await page.waitForSelector(ready);
      await prepare?.();
      await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: prepare === undefined });
      process.stdout.write(`wrote docs/screenshots/${name}.png\n`);
    };
    await shoot('search', '#/search?index=sample&q=what+makes+bread+rise&mode=late&k=10', '[data-testid=hit]');
    await shoot('match', '#/match?index=pooled&id=bread-sourdough&q=sourdough+yeast+rise&mode=late', '[data-testid=token-table]');
    // With a point hovered, so the picture shows the tooltip (configuration, storage, nDCG@10 retained); a full-page
    // screenshot resizes the view and would drop the hover, so the view is made as tall as the page first.
    await shoot('sweeps', '#/sweeps?id=scifact', '[data-testid=chart-latency-vs-storage] [data-drawn=true]', async () => {
      await page.setViewportSize({ width: 1280, height: await page.evaluate(() => document.documentElement.scrollHeight) });
      await page.hover('[data-testid=chart-ndcg-vs-storage] svg path[aria-roledescription=point] >> nth=2');
      await page.waitForSelector('#vg-tooltip-element.visible');
    });
  } finally {
    await browser.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
