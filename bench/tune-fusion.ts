/**
 * Chooses the hybrid fusion on SciFact's *train* split (never on a test split), for the context-free (embedded)
 * encoder's defaults in src/search/search-defaults.ts. Every train query is retrieved twice: late candidates alone (sparse depth 0) and the union
 * with the sparse top-1000, both with exact late and sparse scores; each fusion x sparse depth is then evaluated
 * offline on the same candidates (union = late candidates + sparse top-depth), so the grid costs no re-retrieval.
 *
 *   npx tsx bench/tune-fusion.ts [--work /tmp/lateindex-modes] [--reuse] [--split train] [--cache <file.json>]
 *
 * `--cache` keeps the retrieved candidates (ids and both exact scores) so the grid can be re-run without the index.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encode/index.js';
import { loadBeirSplit, ndcgAt, pairedBootstrap } from '../src/eval/index.js';
import { fuse, Retriever, type FusionOptions } from '../src/search/index.js';
import { DATA, buildIndex } from './_common.js';

const { values } = parseArgs({
  options: {
    work: { type: 'string', default: '/tmp/lateindex-modes' },
    reuse: { type: 'boolean', default: false },
    split: { type: 'string', default: 'train' },
    cache: { type: 'string' },
  },
});
const MAX_DEPTH = 1000;

interface Candidate {
  readonly id: string;
  readonly late: number;
  readonly sparse: number;
  /** Rank in the sparse list of the deep union (0-based; score desc, internal id asc as BMP ranks). */
  readonly sparseRank: number;
  readonly lateCandidate: boolean;
}

const { queries, qrels } = await loadBeirSplit(path.join(DATA, 'scifact'), values.split!);
const judged = [...queries].filter(([id]) => qrels.has(id));
const cached = values.cache !== undefined && existsSync(values.cache);
const perQuery: Candidate[][] = cached ? (JSON.parse(readFileSync(values.cache!, 'utf8')) as Candidate[][]) : await retrieveAll();
if (values.cache !== undefined && !cached) writeFileSync(values.cache, JSON.stringify(perQuery));

async function retrieveAll(): Promise<Candidate[][]> {
  const encoder = await loadEncoder();
  const { index } = await buildIndex('scifact', path.join(values.work!, 'scifact'), encoder, { reuse: values.reuse! });
  const retriever = new Retriever(index, encoder);
  const out: Candidate[][] = [];
  const started = performance.now();
  for (const [, text] of judged) {
  const late = await retriever.search(text, { k: Number.MAX_SAFE_INTEGER, mode: 'hybrid', sparseDepth: 0 });
  const lateIds = new Set(late.map((h) => h.internalId));
  const union = await retriever.search(text, { k: Number.MAX_SAFE_INTEGER, mode: 'hybrid', sparseDepth: MAX_DEPTH });
  const bySparse = [...union].sort((a, b) => b.components!.sparse - a.components!.sparse || a.internalId - b.internalId);
  const sparseRank = new Map(bySparse.map((h, i) => [h.internalId, i]));
  out.push(
    union.map((h) => ({
      id: h.id,
      late: h.components!.late,
      sparse: h.components!.sparse,
      sparseRank: sparseRank.get(h.internalId)!,
      lateCandidate: lateIds.has(h.internalId),
    })),
  );
}
  process.stderr.write(`${judged.length} ${values.split} queries retrieved in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  await index.close();
  await encoder.close();
  return out;
}

/**
 * Per-query nDCG@10 of one fusion at one sparse depth, ranking exactly as the retriever does (fused desc, then the
 * sparse score, then id asc).
 */
function perQueryNdcg(options: FusionOptions, depth: number, withLateCandidates = true): number[] {
  return judged.map(([queryId], q) => {
    const union = perQuery[q]!.filter((c) => (withLateCandidates && c.lateCandidate) || (c.sparseRank < depth && c.sparse > 0));
    const fused = fuse(
      Float64Array.from(union, (c) => c.late),
      Float64Array.from(union, (c) => c.sparse),
      options,
    );
    const order = Array.from(fused.keys()).sort(
      (a, b) => fused[b]! - fused[a]! || union[b]!.sparse - union[a]!.sparse || (union[a]!.id < union[b]!.id ? -1 : union[a]!.id > union[b]!.id ? 1 : 0),
    );
    return ndcgAt(order.slice(0, 10).map((i) => union[i]!.id), qrels.get(queryId)!, 10);
  });
}

const mean = (values: readonly number[]): number => values.reduce((s, x) => s + x, 0) / values.length;

const base: FusionOptions = { method: 'convex', lateWeight: 0.4, rrfK: 60 };
const weights = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6];
const grid: [string, FusionOptions, boolean?][] = [
  ['sparse alone (BM25 ranking of the union)', { ...base, lateWeight: 0 }],
  ['late alone (MaxSim ranking of the union)', { ...base, lateWeight: 1 }],
];
for (const w of weights) grid.push([`convex (min-max over union) w=${w}`, { ...base, method: 'convex', lateWeight: w }]);
for (const w of weights) grid.push([`z-score w=${w}`, { ...base, method: 'zscore', lateWeight: w }]);
for (const w of weights) grid.push([`dbsf (mean +- 3 sd) w=${w}`, { ...base, method: 'dbsf', lateWeight: w }]);
for (const w of weights) grid.push([`min-max over top-100 w=${w}`, { ...base, method: 'convex-depth', lateWeight: w, normDepth: 100 }]);
for (const w of weights) grid.push([`min-max over top-10 w=${w}`, { ...base, method: 'convex-depth', lateWeight: w, normDepth: 10 }]);
for (const k of [5, 10, 20, 40, 60, 100]) grid.push([`rrf k=${k}`, { ...base, method: 'rrf', rrfK: k }]);
// Late interaction as a re-ranker of the sparse top-depth only (no HNSW candidates in the pool).
for (const w of weights) grid.push([`rerank sparse top-depth, convex w=${w}`, { ...base, method: 'convex', lateWeight: w }, false]);
for (const w of weights) grid.push([`rerank sparse top-depth, z-score w=${w}`, { ...base, method: 'zscore', lateWeight: w }, false]);
const depths = [100, 200, 500, 1000];
console.log(`| fusion | ${depths.map((d) => `depth ${d}`).join(' | ')} |`);
console.log(`|---|${depths.map(() => '---:').join('|')}|`);
const best = new Map<string, { name: string; depth: number; ndcg: number; perQuery: number[] }>();
for (const [name, options, withLate] of grid) {
  const perQuery = depths.map((d) => perQueryNdcg(options, d, withLate ?? true));
  const cells = perQuery.map(mean);
  console.log(`| ${name} | ${cells.map((v) => v.toFixed(4)).join(' | ')} |`);
  const family = name.split(' w=')[0]!.replace(/ k=\d+$/, '');
  cells.forEach((ndcg, i) => {
    const current = best.get(family);
    if (current === undefined || ndcg > current.ndcg) best.set(family, { name, depth: depths[i]!, ndcg, perQuery: perQuery[i]! });
  });
}
// BM25 alone over the deepest union: the reference each family's best is compared with (paired bootstrap, seed 1).
const bm25 = perQueryNdcg({ ...base, lateWeight: 0 }, MAX_DEPTH, false);
console.log(`\nbest per family on ${values.split} (BM25 ${mean(bm25).toFixed(4)}; difference to BM25 with a paired bootstrap 95% interval):`);
for (const [family, b] of best) {
  const ci = pairedBootstrap(b.perQuery, bm25, { seed: 1 });
  console.log(`${family}: ${b.name}, depth ${b.depth}: ${b.ndcg.toFixed(4)} (${ci.meanDifference.toFixed(4)} [${ci.lower.toFixed(4)}, ${ci.upper.toFixed(4)}])`);
}
