/**
 * Pooling quality (issue 3) without candidate generation in the way: encode a dataset once in memory with the
 * embedded encoder, apply each reduction spec, and rank every document by exact IDF-weighted MaxSim (the same
 * scorer the searcher uses). Reports vectors kept, nDCG@10 retained against the unreduced run, and reduction
 * throughput (documents per CPU-second), all in one run. Each reduced spec is ranked twice: plain, and with
 * exact-match recovery (`+ exact`: a query token the document still holds scores its self-similarity, as the
 * searcher does for indexes that keep token lists; the lists' 4 bytes per token are in `lists B/doc`). `top-10
 * overlap` is the share of the unreduced run's top 10 a reduction keeps (how close it stays to unreduced ranking).
 *
 *   npx tsx bench/pooling.ts [--dataset scifact] [--split test|train|dev] [--specs "none;ward:2;..."] [--ward2-study]
 *
 * Choose variants on `--split train` (SciFact's training queries) and report `test`. `retained 95% CI` is a
 * paired bootstrap over queries (2000 resamples, fixed seed). `--ward2-study` adds the ward:2 variants of the
 * issue-3 retention study (same budget, floor(n/2) rows; they need the encoder's per-row tokens), ranked by
 * re-scoring the unreduced run's top 300 plus the judged documents of each query (`--rerank 0`: exhaustive).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StaticEncoder } from '../src/encode/index.js';
import { evaluateRun, loadBeirSplit, type RankedDoc } from '../src/eval/index.js';
import { readCorpus } from '../src/index/index.js';
import { HierarchicalPooler, parseReductionSpec } from '../src/pool/index.js';
import { TopK, createMaxSimScorer } from '../src/search/index.js';
import { documentText, idf, representedTokens, type MultiVector } from '../src/shared/index.js';
import { DATA } from './_common.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'scifact' },
    split: { type: 'string', default: 'test' },
    'ward2-study': { type: 'boolean', default: false },
    rerank: { type: 'string', default: '300' },
    specs: {
      type: 'string',
      default:
        'none;ward:2;ward:3;ward:4;ward:6;kmeans:32;lightcolpali:4;adaptive:0.3;adaptive:0.5;idf-top:0.5;random:0.5;divprune:0.5',
    },
  },
});

const dir = path.join(DATA, values.dataset!);
const encoder = await StaticEncoder.load();
const ids: string[] = [];
const texts: string[] = [];
for await (const record of readCorpus(path.join(dir, 'corpus.jsonl'))) {
  ids.push(record.id);
  texts.push(documentText(record));
}
const docs = await encoder.encodeDocuments(texts);
const df = new Map<string, number>();
for (const doc of docs) for (const t of new Set(doc.tokens)) df.set(t, (df.get(t) ?? 0) + 1);
const idfOf = (t: string) => idf(df.get(t) ?? 0, docs.length);

const { queries, qrels } = await loadBeirSplit(dir, values.split!);
const judged = [...queries].filter(([qid]) => qrels.has(qid));
const encodedQueries = await encoder.encodeQueries(judged.map(([, text]) => text));
const weighted = encodedQueries.map((q) => ({ ...q, weights: Float32Array.from(q.tokens!, idfOf) }));
const scorer = createMaxSimScorer();
const baselineVectors = docs.reduce((s, d) => s + d.count, 0);

/** Documents re-scored per query when re-ranking (empty: exhaustive); filled by the unreduced run. */
const candidates: number[][] = [];
const rerankDepth = Number(values.rerank);

/** Floors of exact-match recovery for one query and one document's held tokens (undefined: none held). */
function exactFloors(query: MultiVector, held: ReadonlySet<string>): Float64Array | undefined {
  let any = false;
  const floors = Float64Array.from(query.tokens!, (token, i) => {
    if (!held.has(token)) return -Infinity;
    any = true;
    let s = 0;
    for (let d = 0; d < query.dim; d++) s += query.data[i * query.dim + d]! ** 2;
    return s;
  });
  return any ? floors : undefined;
}

/**
 * Per-query nDCG@10 and top-10 documents in `judged` order; the first call (the unreduced documents) also records
 * the candidates. `held`: per document, the tokens its rows stand for (exact-match recovery).
 */
function rank(
  reduced: readonly MultiVector[],
  rerank = false,
  held?: readonly ReadonlySet<string>[],
): { ndcg: Float64Array; top10: number[][] } {
  const run = new Map<string, RankedDoc[]>();
  const top10: number[][] = [];
  const idIndex = rerank && candidates.length === 0 ? new Map(ids.map((id, i) => [id, i])) : undefined;
  judged.forEach(([qid], qi) => {
    scorer.setQuery(weighted[qi]!);
    const top = new TopK(Math.max(100, idIndex ? rerankDepth : 0), (a, b) => (ids[a]! < ids[b]! ? -1 : 1));
    const score = (d: number) => scorer.score(reduced[d]!.data, reduced[d]!.count, held && exactFloors(weighted[qi]!, held[d]!));
    if (rerank && !idIndex) for (const d of candidates[qi]!) top.push(score(d), d);
    else reduced.forEach((_, d) => top.push(score(d), d));
    const ranked = top.drain();
    if (idIndex) {
      const pool = new Set(ranked.map((e) => e.internalId));
      for (const rel of qrels.get(qid)!.keys()) if (idIndex.has(rel)) pool.add(idIndex.get(rel)!);
      candidates.push([...pool]);
    }
    run.set(qid, ranked.slice(0, 100).map((e) => ({ id: ids[e.internalId]!, score: e.score })));
    top10.push(ranked.slice(0, 10).map((e) => e.internalId));
  });
  const perQuery = evaluateRun(run, qrels, ['nDCG@10']).perQuery;
  return { ndcg: Float64Array.from(judged, ([qid]) => perQuery.get(qid)?.['nDCG@10'] ?? 0), top10 };
}

const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);

/** 95% paired-bootstrap interval of sum(reduced) / sum(base) over queries. */
function retainedInterval(base: Float64Array, reduced: Float64Array): [number, number] {
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const ratios: number[] = [];
  for (let r = 0; r < 2000; r++) {
    let b = 0;
    let x = 0;
    for (let i = 0; i < base.length; i++) {
      const q = Math.floor(random() * base.length);
      b += base[q]!;
      x += reduced[q]!;
    }
    ratios.push(x / b);
  }
  ratios.sort((a, b) => a - b);
  return [ratios[49]!, ratios[1949]!];
}

console.log(`${values.dataset} (${values.split} queries): ${docs.length} documents, ${baselineVectors} vectors, ${judged.length} queries, scorer ${scorer.backend}`);
console.log('| reduction | vectors/doc | vectors kept | lists B/doc | nDCG@10 (exact MaxSim) | retained | retained 95% CI | top-10 overlap | reduce docs/cpu-s |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
let baseline: Float64Array | undefined;
/** The unreduced run's top 10 per query: `top-10 overlap` is the share of it a reduction keeps in its own top 10. */
let baselineTop10: number[][] | undefined;
function report(name: string, reduced: readonly MultiVector[], rate: string, rerank = false, held?: readonly ReadonlySet<string>[]): void {
  const vectors = reduced.reduce((s, d) => s + d.count, 0);
  const listBytes = held ? held.reduce((s, h) => s + 4 * h.size, 0) / docs.length : 0;
  const { ndcg: perQuery, top10 } = rank(reduced, rerank, held);
  baseline ??= perQuery;
  baselineTop10 ??= top10;
  const overlap = top10.reduce((s, list, q) => s + list.filter((d) => baselineTop10![q]!.includes(d)).length / 10, 0) / top10.length;
  const [low, high] = retainedInterval(baseline, perQuery);
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `| ${name} | ${(vectors / docs.length).toFixed(1)} | ${percent(vectors / baselineVectors)} | ${held ? listBytes.toFixed(0) : '-'} | ${(sum(perQuery) / perQuery.length).toFixed(4)} | ${percent(sum(perQuery) / sum(baseline))} | ${percent(low)}-${percent(high)} | ${overlap.toFixed(3)} | ${rate} |`,
  );
}
const specs = values.specs!.split(';');
if (values['ward2-study'] && specs[0] !== 'none') specs.unshift('none');
for (const spec of specs) {
  const pipeline = parseReductionSpec(spec);
  const cpu = process.cpuUsage();
  const reduced = docs.map((doc) => pipeline.apply(doc, { protectedLeadingTokens: 0, seed: 42, idf: idfOf }).vectors);
  const used = process.cpuUsage(cpu);
  const rate = pipeline.isIdentity ? '-' : (docs.length / ((used.user + used.system) / 1e6)).toFixed(0);
  report(pipeline.spec, reduced, rate, values['ward2-study'] && rerankDepth > 0 && pipeline.isIdentity);
  if (!pipeline.isIdentity) report(`${pipeline.spec} + exact`, reduced, '-', false, reduced.map((doc) => new Set(representedTokens(doc))));
}

if (values['ward2-study']) {
  const rerank = rerankDepth > 0;
  for (const [name, variant] of Object.entries(ward2Variants())) report(name, docs.map(variant), '-', rerank);
  ward2Composition();
}

/** What ward:2 merges (single tokens, duplicates, mixed words) and the queries it hurts most, with the merges. */
function ward2Composition(): void {
  const pooler = new HierarchicalPooler('ward', 2, true);
  const clusters: string[][][] = [];
  const pooled = docs.map((doc) => {
    const k = Math.max(Math.floor(doc.count / 2), 1);
    if (doc.count <= 1 || k >= doc.count) {
      clusters.push(doc.tokens!.map((t) => [t]));
      return doc;
    }
    const labels = pooler.partition(doc.data, doc.dim, 0, doc.count, k);
    const groups: string[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < doc.count; i++) groups[labels[i]!]!.push(doc.tokens![i]!);
    clusters.push(groups);
    return pooler.reduce(doc, { protectedLeadingTokens: 0, seed: 42 });
  });
  const counts = { single: 0, duplicates: 0, mixed: 0, mixedRows: 0, rare: 0, rareMerged: 0 };
  for (const groups of clusters) {
    for (const group of groups) {
      const distinct = new Set(group);
      for (const t of distinct) {
        if (idfOf(t) < 6) continue;
        counts.rare++;
        if (distinct.size > 1) counts.rareMerged++;
      }
      if (group.length === 1) counts.single++;
      else if (distinct.size === 1) counts.duplicates++;
      else {
        counts.mixed++;
        counts.mixedRows += group.length;
      }
    }
  }
  const rows = counts.single + counts.duplicates + counts.mixed;
  const share = (x: number, of: number) => `${((100 * x) / of).toFixed(1)}%`;
  console.log(
    `\nward:2 output: ${rows} rows: ${share(counts.single, rows)} single tokens, ${share(counts.duplicates, rows)} ` +
      `duplicate clusters, ${share(counts.mixed, rows)} mixed (${(counts.mixedRows / counts.mixed).toFixed(2)} rows each); ` +
      `rare tokens (idf >= 6) merged with another word: ${share(counts.rareMerged, counts.rare)}`,
  );
  const before = baseline!;
  const after = rank(pooled).ndcg;
  const order = [...before.keys()].sort((a, b) => after[a]! - before[a]! - (after[b]! - before[b]!));
  let lost = 0;
  let gained = 0;
  for (let q = 0; q < before.length; q++) {
    const change = after[q]! - before[q]!;
    if (change < 0) lost -= change;
    else gained += change;
  }
  console.log(`per-query nDCG@10 change: ${lost.toFixed(2)} lost, ${gained.toFixed(2)} gained; worst five:`);
  for (const q of order.slice(0, 5)) {
    const [qid, text] = judged[q]!;
    const query = weighted[q]!;
    const relevant = ids.indexOf([...qrels.get(qid)!.keys()][0]!);
    const best = (doc: MultiVector, t: number): [number, number] => {
      let top: [number, number] = [-Infinity, -1];
      for (let r = 0; r < doc.count; r++) {
        let dot = 0;
        for (let d = 0; d < doc.dim; d++) dot += query.data[t * query.dim + d]! * doc.data[r * doc.dim + d]!;
        if (dot > top[0]) top = [dot, r];
      }
      return top;
    };
    const merged = relevant < 0 ? [] : query.tokens!.flatMap((token, t) => {
      const [was] = best(docs[relevant]!, t);
      const [now, row] = best(pooled[relevant]!, t);
      if (was - now <= 0.05) return [];
      return [`${token} ${was.toFixed(2)}->${now.toFixed(2)} in {${[...new Set(clusters[relevant]![row]!)].join(', ')}}`];
    });
    console.log(`  ${qid} ${(after[q]! - before[q]!).toFixed(2)} "${text.slice(0, 60)}": ${merged.join('; ')}`);
  }
}

/**
 * The retention study's variants of ward:2: each keeps floor(n/2) rows (fewer when the document has fewer
 * distinct tokens), re-normalised. Duplicates are rows with the same token (one vector per word here).
 */
function ward2Variants(): Record<string, (doc: MultiVector) => MultiVector> {
  const ward = new HierarchicalPooler('ward', 2, true);
  const average = new HierarchicalPooler('average', 2, true);
  const budget = (doc: MultiVector) => Math.max(Math.floor(doc.count / 2), 1);
  const rowsOf = (doc: MultiVector, rows: readonly number[]) => {
    const data = new Float32Array(rows.length * doc.dim);
    rows.forEach((r, j) => data.set(doc.data.subarray(r * doc.dim, (r + 1) * doc.dim), j * doc.dim));
    return data;
  };
  const distinctRows = (doc: MultiVector) => {
    const seen = new Set<string>();
    return doc.tokens!.flatMap((t, i) => (seen.has(t) ? [] : (seen.add(t), [i])));
  };
  /** Unit-length (weighted) means of `data`'s rows by label. */
  const means = (data: Float32Array, dim: number, labels: ArrayLike<number>, k: number, weight = (_row: number) => 1) => {
    const out = new Float32Array(k * dim);
    const sums = new Float64Array(k * dim);
    for (let i = 0; i < labels.length; i++) {
      for (let d = 0; d < dim; d++) sums[labels[i]! * dim + d]! += weight(i) * data[i * dim + d]!;
    }
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += sums[c * dim + d]! ** 2;
      const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let d = 0; d < dim; d++) out[c * dim + d] = sums[c * dim + d]! * scale;
    }
    return out;
  };
  /** Clusters `rows` of `doc` into `k` with `pooler`; `keep` rows are passed through first. */
  const clusterRows = (doc: MultiVector, rows: readonly number[], k: number, pooler: HierarchicalPooler, keep: readonly number[] = []) => {
    const kept = rowsOf(doc, keep);
    const data = rowsOf(doc, rows);
    if (rows.length <= k) return { dim: doc.dim, count: keep.length + rows.length, data: Float32Array.from([...kept, ...data]) };
    const labels = Int32Array.from(pooler.partition(data, doc.dim, 0, rows.length, k).subarray(0, rows.length));
    return { dim: doc.dim, count: keep.length + k, data: Float32Array.from([...kept, ...means(data, doc.dim, labels, k)]) };
  };
  const byIdfDescending = (doc: MultiVector, rows: number[]) => rows.sort((a, b) => idfOf(doc.tokens![b]!) - idfOf(doc.tokens![a]!));
  const rareKept = (share: number) => (doc: MultiVector) => {
    const k = budget(doc);
    const ranked = byIdfDescending(doc, distinctRows(doc));
    const keep = ranked.slice(0, Math.min(Math.floor(k * share), ranked.length));
    return clusterRows(doc, ranked.slice(keep.length), Math.max(k - keep.length, 1), ward, keep);
  };
  /** ward:2's own partition, each cluster represented by `represent`. */
  const wardPartition = (represent: (doc: MultiVector, labels: Int32Array, k: number) => Float32Array) => (doc: MultiVector) => {
    const k = budget(doc);
    if (doc.count <= 1 || k >= doc.count) return doc;
    const labels = Int32Array.from(ward.partition(doc.data, doc.dim, 0, doc.count, k).subarray(0, doc.count));
    return { dim: doc.dim, count: k, data: represent(doc, labels, k) };
  };
  const bestMember = (score: (doc: MultiVector, row: number, labels: Int32Array, centroids: Float32Array) => number) =>
    wardPartition((doc, labels, k) => {
      const centroids = means(doc.data, doc.dim, labels, k);
      const best = new Array<number>(k).fill(-1);
      const bestScore = new Array<number>(k).fill(-Infinity);
      for (let i = 0; i < doc.count; i++) {
        const s = score(doc, i, labels, centroids);
        if (s > bestScore[labels[i]!]!) {
          bestScore[labels[i]!] = s;
          best[labels[i]!] = i;
        }
      }
      return rowsOf(doc, best);
    });
  return {
    'duplicates collapsed (no budget)': (doc) => ({ dim: doc.dim, count: distinctRows(doc).length, data: rowsOf(doc, distinctRows(doc)) }),
    'distinct-then-ward': (doc) => clusterRows(doc, distinctRows(doc), budget(doc), ward),
    'distinct-then-average': (doc) => clusterRows(doc, distinctRows(doc), budget(doc), average),
    'rarest half of budget kept, ward rest': rareKept(0.5),
    'rarest 80% of budget kept, ward rest': rareKept(0.8),
    'ward:2 partition, idf-weighted means': wardPartition((doc, labels, k) =>
      means(doc.data, doc.dim, labels, k, (i) => idfOf(doc.tokens![i]!))),
    'ward:2 partition, rarest member': bestMember((doc, i) => idfOf(doc.tokens![i]!)),
    'ward:2 partition, medoid': bestMember((doc, i, labels, centroids) => {
      let dot = 0;
      for (let d = 0; d < doc.dim; d++) dot += doc.data[i * doc.dim + d]! * centroids[labels[i]! * doc.dim + d]!;
      return dot;
    }),
    'distinct, then most common dropped': (doc) => {
      const ranked = byIdfDescending(doc, distinctRows(doc));
      const rows = ranked.slice(0, budget(doc)).sort((a, b) => a - b);
      return { dim: doc.dim, count: rows.length, data: rowsOf(doc, rows) };
    },
  };
}
