import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CONSOLE_DIR } from '../../src/api/index.js';
import {
  buildConsoleIndexes,
  consoleRecords,
  ensureConsoleBuilt,
  launchBrowser,
  startConsoleServer,
  tempDir,
  type Browser,
  type ConsoleFixture,
} from './harness.js';

interface DocToken { token: string; position: number; field?: 'title' | 'text'; start?: number; end?: number; text?: string }
interface TokenScore { query_token: string | null; weight: number; similarity: number; exact_match: boolean; document_vector: number; document_tokens?: DocToken[] }
interface Hit { id: string; rank: number; score: number; title?: string; text?: string; token_scores?: TokenScore[]; components?: { late: number; sparse: number } }

const KEY = 's3cret-key';
let root: string;
let open: ConsoleFixture;
let locked: ConsoleFixture;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  root = tempDir();
  // Searches on the event loop: the worker path answers the same (tests/api/search-workers.test.ts) and starts slower.
  const servers = buildConsoleIndexes(root).then((dirs) =>
    Promise.all([startConsoleServer(dirs, { searchThreads: 0 }), startConsoleServer([dirs[0]!], { apiKey: KEY, searchThreads: 0 })] as const),
  );
  const [[openServer, lockedServer], launched] = await Promise.all([servers, launchBrowser(), ensureConsoleBuilt()]);
  open = openServer;
  locked = lockedServer;
  browser = launched;
  // The sweep routes load the eval module on first use: warm it while nothing is timed.
  await fetch(`${open.url}/v1/sweeps/scifact/charts/ndcg-vs-storage`);
  page = await browser.newPage();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await open?.close();
  await locked?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The API's answer to what the console asks for a page of results (independent of the page); no mode: the index's default. */
async function apiSearch(body: Record<string, unknown>, url = open.url): Promise<Hit[]> {
  const res = await fetch(`${url}/v1/indexes/${body.index ?? 'sample'}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ include: ['title', 'text', 'token_scores'], ...body, index: undefined }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: { hits: Hit[] }[] }).results[0]!.hits;
}

async function apiJson<T>(route: string): Promise<T> {
  const res = await fetch(`${open.url}${route}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Each result on the page: id, rank, score text and title. */
async function shownHits(): Promise<{ id: string; rank: number; score: string; title: string }[]> {
  return page.$$eval('[data-testid=hit]', (items) =>
    items.map((li) => ({
      id: li.getAttribute('data-id')!,
      rank: Number(li.getAttribute('data-rank')),
      score: li.querySelector('[data-testid=hit-score]')!.textContent!,
      title: li.querySelector('[data-testid=hit-title]')!.textContent!,
    })),
  );
}

async function waitForResults(): Promise<void> {
  await page.waitForSelector('[data-testid=results], [data-testid=problem]');
}

/** The highlighted words inside `selector`: the API offsets they carry and the text drawn. */
async function marks(selector: string): Promise<{ field: string; start: number; end: number; text: string; token: string }[]> {
  return page.$$eval(`${selector} mark.match`, (items) =>
    items.map((m) => ({
      field: m.getAttribute('data-field')!,
      start: Number(m.getAttribute('data-start')),
      end: Number(m.getAttribute('data-end')),
      text: m.textContent!,
      token: m.getAttribute('data-query-token')!,
    })),
  );
}

/** What the console must highlight for token scores: each distinct document token range, for the query token contributing most there. */
function expectedMarks(scores: TokenScore[], field: 'title' | 'text'): { field: string; start: number; end: number; text: string; token: string }[] {
  const best = new Map<string, { field: string; start: number; end: number; text: string; token: string; part: number }>();
  for (const s of scores) {
    for (const t of s.document_tokens ?? []) {
      if (t.field !== field) continue;
      const key = `${t.start}:${t.end}`;
      const part = s.weight * s.similarity;
      if ((best.get(key)?.part ?? -Infinity) < part) best.set(key, { field, start: t.start!, end: t.end!, text: t.text!, token: s.query_token!, part });
    }
  }
  return [...best.values()].sort((a, b) => a.start - b.start).map(({ part: _part, ...m }) => m);
}

describe('search page', () => {
  it('shows the ranked hits the API returns, with title, snippet, score, rank and the time taken', async () => {
    await page.goto(`${open.url}/`);
    await page.waitForSelector('[data-testid=index-select] option[value=pooled]', { state: 'attached' });
    await page.fill('[data-testid=query-input]', 'what makes bread rise');
    await page.click('[data-testid=search-submit]');
    await waitForResults();
    const expected = await apiSearch({ query: 'what makes bread rise', top_k: 10 });
    const scoreText = (h: Hit): string =>
      `score ${h.score.toFixed(4)}${h.components ? ` (late ${h.components.late.toFixed(3)}, sparse ${h.components.sparse.toFixed(3)})` : ''}`;
    expect(expected.every((h) => h.components !== undefined)).toBe(true);
    expect(await shownHits()).toEqual(expected.map((h) => ({ id: h.id, rank: h.rank, score: scoreText(h), title: h.title })));
    // The console searches in the index's default mode (hybrid for the embedded encoder), as the API does without one.
    expect(await page.textContent('[data-testid=took]')).toMatch(/Results 1–10 · page 1 · hybrid · took \d+(\.\d)? ms on the server/);
    // The snippet of the first hit highlights exactly the words its token scores name in the text.
    const first = expected[0]!;
    const shown = await marks(`[data-testid=hit][data-id="${first.id}"] [data-testid=hit-snippet]`);
    expect(shown).toEqual(expectedMarks(first.token_scores!, 'text').filter((m) => m.end <= (first.text ?? '').length));
    expect(shown.length).toBeGreaterThan(0);
  });

  it('pages through the results with the API offsets, ranks staying absolute', async () => {
    await page.click('[data-testid=next-page]');
    await page.waitForSelector('[data-testid=hit][data-rank="11"]');
    const second = await apiSearch({ query: 'what makes bread rise', top_k: 10, offset: 10 });
    expect((await shownHits()).map((h) => [h.id, h.rank])).toEqual(second.map((h) => [h.id, h.rank]));
    expect(second.map((h) => h.rank)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(page.url()).toContain('offset=10');
    await page.click('[data-testid=prev-page]');
    await page.waitForSelector('[data-testid=hit][data-rank="1"]');
    expect((await shownHits())[0]!.rank).toBe(1);
  });

  it('filters on metadata: the hits are the API hits of the filtered search', async () => {
    await page.click('[data-testid=add-filter]');
    await page.fill('[data-testid=filter-key]', 'topic');
    await page.fill('[data-testid=filter-value]', 'bread');
    await page.click('[data-testid=search-submit]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=hit]').length === 2);
    const filtered = await apiSearch({ query: 'what makes bread rise', top_k: 10, filter: { metadata: { topic: 'bread' } } });
    const breadIds = (await consoleRecords()).filter((r) => r.metadata!.topic === 'bread').map((r) => r.id);
    expect(filtered.map((h) => h.id).sort()).toEqual(breadIds.sort());
    expect((await shownHits()).map((h) => h.id)).toEqual(filtered.map((h) => h.id));
    // A JSON value filters as that value: n = 4 (a number) matches the fifth record only.
    await page.fill('[data-testid=filter-key]', 'n');
    await page.fill('[data-testid=filter-value]', '4');
    await page.click('[data-testid=search-submit]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=hit]').length === 1);
    expect((await shownHits())[0]!.id).toBe((await consoleRecords())[4]!.id);
  });
});

describe('why this match', () => {
  async function openMatch(index: string, query: string, id: string): Promise<{ hit: Hit; document: { title?: string; text?: string } }> {
    await page.goto(`${open.url}/#/match?index=${index}&id=${encodeURIComponent(id)}&q=${encodeURIComponent(query)}&mode=late`);
    await page.waitForSelector('[data-testid=token-table], [data-testid=problem]');
    const [hit] = await apiSearch({ index, query, mode: 'late', top_k: 1, filter: { ids: [id] }, include: ['token_scores'] });
    const document = await apiJson<{ title?: string; text?: string }>(`/v1/indexes/${index}/documents/${encodeURIComponent(id)}`);
    return { hit: hit!, document };
  }

  it("lists each query token's match as the API scores it, and highlights exactly the words the API names", async () => {
    const { hit, document } = await openMatch('sample', 'what makes bread rise', 'bread-sourdough');
    const scores = hit.token_scores!;
    const rows = await page.$$eval('[data-testid=token-row]', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent!.trim())));
    expect(rows.map((r) => r[0])).toEqual(scores.map((s) => s.query_token));
    expect(rows.map((r) => r[2])).toEqual(scores.map((s) => s.similarity.toFixed(4)));
    expect(rows.map((r) => r[3])).toEqual(scores.map((s) => s.weight.toFixed(3)));
    const late = scores.reduce((sum, s) => sum + s.weight * s.similarity, 0);
    expect(late).toBeCloseTo(hit.score, 4);
    expect(rows.map((r) => r[5])).toEqual(scores.map((s) => `${((100 * s.weight * s.similarity) / late).toFixed(1)}%`));
    for (const [i, s] of scores.entries()) for (const t of s.document_tokens!) expect(rows[i]![1]).toContain(`(token ${t.position}, ${t.field} ${t.start}–${t.end})`);
    for (const field of ['title', 'text'] as const) {
      const shown = await marks(`[data-testid=heatmap-${field}]`);
      expect(shown).toEqual(expectedMarks(scores, field));
      // The offsets slice the stored document to the highlighted text.
      for (const m of shown) expect(document[field]!.slice(m.start, m.end)).toBe(m.text);
    }
    expect((await marks('[data-testid=heatmap]')).length).toBeGreaterThan(0);
  });

  it('marks exact-match-floored tokens and highlights every occurrence they stand for (pooled index)', async () => {
    const { hit } = await openMatch('pooled', 'sourdough yeast', 'bread-sourdough');
    const scores = hit.token_scores!;
    expect(scores.map((s) => s.exact_match)).toEqual([true, true]);
    const badges = await page.$$eval('[data-testid=token-row]', (trs) => trs.map((tr) => tr.querySelector('[data-testid=exact-badge]') !== null));
    expect(badges).toEqual([true, true]);
    const shown = await marks('[data-testid=heatmap]');
    expect(shown).toEqual([...expectedMarks(scores, 'title'), ...expectedMarks(scores, 'text')]);
    // "yeast" occurs twice in the text ("wild yeast", "baker's yeast"): both are highlighted.
    expect(shown.filter((m) => m.token === 'yeast').map((m) => m.text)).toEqual(['yeast', 'yeast']);
  });

  it('shows the late and sparse parts of a hybrid score', async () => {
    await page.goto(`${open.url}/#/match?index=sample&id=bread-sourdough&q=sourdough+starter&mode=hybrid`);
    await page.waitForSelector('[data-testid=late-part]');
    const [hit] = await apiSearch({ query: 'sourdough starter', mode: 'hybrid', top_k: 1, filter: { ids: ['bread-sourdough'] } });
    const components = (hit as Hit & { components: { late: number; sparse: number } }).components;
    expect(await page.textContent('[data-testid=late-part]')).toBe(components.late.toFixed(4));
    expect(await page.textContent('[data-testid=sparse-part]')).toBe(components.sparse.toFixed(4));
  });
});

describe('indexes page', () => {
  it("shows each index's figures and the vectors after each reduction step, as the index info reports them", async () => {
    await page.goto(`${open.url}/#/indexes`);
    await page.waitForSelector('[data-testid=index-card][data-index=pooled]');
    const { indexes } = await apiJson<{ indexes: { name: string; documents: number; reduction: string; quantization: string; reduction_steps: { step: string; vectors: number }[] }[] }>('/v1/indexes');
    for (const info of indexes) {
      const card = `[data-testid=index-card][data-index=${info.name}]`;
      expect(await page.textContent(`${card} [data-testid=fact-documents] td`)).toBe(String(info.documents));
      expect(await page.textContent(`${card} [data-testid=fact-reduction] td`)).toBe(info.reduction);
      expect(await page.textContent(`${card} [data-testid=fact-codec] td`)).toBe(info.quantization);
      const steps = await page.$$eval(`${card} [data-testid=steps] tbody tr`, (trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]));
      expect(steps).toEqual(info.reduction_steps.map((s) => [s.step, s.vectors.toLocaleString('en-US')]));
    }
    expect(await page.textContent('[data-testid=index-card][data-index=pooled] [data-testid=fact-exact-match-recovery] td')).toMatch(/^on, /);
  });
});

describe('sweeps page', () => {
  it('draws a point per configuration with a BM25 line, hover names the configuration, and the table sorts', async () => {
    await page.goto(`${open.url}/#/sweeps?id=scifact`);
    await page.waitForSelector('[data-testid=chart-ndcg-vs-storage] [data-drawn=true]');
    await page.waitForSelector('[data-testid=chart-latency-vs-storage] [data-drawn=true]');
    const report = await apiJson<{ rows: { config: { name: string }; metrics: Record<string, number>; retention: { ndcg10Pct: number } }[]; bm25: Record<string, number> }>('/v1/sweeps/scifact');
    const chart = '[data-testid=chart-ndcg-vs-storage] svg';
    const points = await page.$$(`${chart} path[aria-roledescription=point]`);
    expect(points).toHaveLength(report.rows.length);
    expect(await page.textContent(chart)).toContain(`BM25 ${report.bm25['nDCG@10']!.toFixed(3)}`);
    await points[0]!.hover();
    await page.waitForSelector('#vg-tooltip-element.visible');
    const tooltip = (await page.textContent('#vg-tooltip-element'))!;
    const hovered = report.rows.find((r) => tooltip.includes(r.config.name));
    expect(hovered).toBeDefined();
    expect(tooltip).toContain(hovered!.retention.ndcg10Pct.toFixed(1));
    expect(tooltip).toContain('nDCG@10 retained');

    const column = async (i: number) => page.$$eval('[data-testid=sweep-row]', (trs, c) => trs.map((tr) => tr.children[c]!.textContent!), i);
    const ndcgHeader = page.locator('[data-testid=sweep-column]', { hasText: 'nDCG@10' }).first();
    await ndcgHeader.click();
    const ascending = report.rows.map((r) => r.metrics['nDCG@10']!).sort((a, b) => a - b).map((v) => v.toFixed(4));
    expect(await column(5)).toEqual(ascending);
    await ndcgHeader.click();
    expect(await column(5)).toEqual([...ascending].reverse());
  });
});

describe('errors and the API key', () => {
  it("shows an API error as the problem's title and detail", async () => {
    await page.goto(`${open.url}/#/search?index=nope&q=bread&mode=late`);
    await page.waitForSelector('[data-testid=problem]');
    const res = await fetch(`${open.url}/v1/indexes/nope/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"bread"}' });
    const problem = (await res.json()) as { title: string; detail: string };
    expect(await page.textContent('[data-testid=problem-title]')).toBe(problem.title);
    expect(await page.textContent('[data-testid=problem-detail]')).toBe(problem.detail);
  });

  it('asks for the key, refuses a wrong one with its problem, keeps the right one in session storage only', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${locked.url}/`);
    await tab.waitForSelector('[data-testid=key-form]');
    expect(await tab.textContent('[data-testid=problem-title]')).toBe('Unauthorized');
    expect(await tab.textContent('[data-testid=problem-detail]')).toContain('requires an API key');
    await tab.fill('[data-testid=key-input]', 'wrong');
    await tab.click('[data-testid=key-submit]');
    await tab.waitForFunction(() => document.querySelector('[data-testid=problem-detail]')?.textContent === 'the API key is not valid');
    await tab.fill('[data-testid=key-input]', KEY);
    await tab.click('[data-testid=key-submit]');
    await tab.waitForSelector('[data-testid=index-select] option[value=sample]', { state: 'attached' });
    await tab.fill('[data-testid=query-input]', 'glacier ice');
    await tab.click('[data-testid=search-submit]');
    await tab.waitForSelector('[data-testid=hit]');
    expect(tab.url()).not.toContain(KEY);
    expect(await tab.evaluate(() => sessionStorage.getItem('lateindex.apiKey'))).toBe(KEY);
    expect(await tab.evaluate(() => localStorage.length)).toBe(0);
    // A reload of the tab keeps the key (session storage) and the view (the hash).
    await tab.reload();
    await tab.waitForSelector('[data-testid=hit]');
    await tab.close();
  });
});

describe('figures', () => {
  it('ships at most 300 KB of JavaScript and CSS gzipped, and reports the first load time on loopback', async () => {
    const assets = readdirSync(path.join(BUILT_CONSOLE_DIR, 'assets')).filter((f) => /\.(js|css)$/.test(f));
    const gzipped = assets.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(BUILT_CONSOLE_DIR, 'assets', f)), { level: 9 }).length, 0);
    expect(gzipped).toBeLessThanOrEqual(300 * 1024);
    const tab = await browser.newPage();
    const started = Date.now();
    await tab.goto(`${open.url}/`);
    await tab.waitForSelector('[data-testid=index-select] option[value=sample]', { state: 'attached' });
    const firstLoadMs = Date.now() - started;
    const navigation = await tab.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
    await tab.close();
    // Reported, not asserted (timing depends on the machine's load): BENCHMARKS.md records it.
    process.stdout.write(`[console] JS + CSS ${(gzipped / 1024).toFixed(1)} KiB gzipped in ${assets.length} files; first load to the index list ${firstLoadMs} ms (load event ${navigation.toFixed(0)} ms)\n`);
  });
});
