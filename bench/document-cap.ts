/**
 * Issue 15, item 6, as a user met it: one 200,000-word document in the sample corpus. Builds the index twice in one
 * process, with the embedded encoder's document cap (2048 words) and without it (what lateindex did before), and
 * times the sample queries on both (interleaved, default late search, median ms per query). Then deletes the long
 * document from the uncapped index and reports the store file's size after the delete, after `compact()` alone
 * (the graph and sparse blocks reclaimed in place: what `compact` did before) and after `LateIndex.compactStore`
 * (the file rewritten compacted), with the time of each step.
 * Run: npx tsx bench/document-cap.ts [--words 200000] [--rounds 5]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StaticEncoder } from '../src/encode/index.js';
import { IndexBuilder, LateIndex } from '../src/index/index.js';
import { parseReductionSpec } from '../src/pool/index.js';
import { Retriever } from '../src/search/index.js';
import { mulberry32, WORD_STOPWORDS, type DocumentRecord } from '../src/shared/index.js';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const words = Number(argument('words', '200000'));
const rounds = Number(argument('rounds', '5'));
const sample = path.resolve(import.meta.dirname, '../data/sample');
const records: DocumentRecord[] = readFileSync(path.join(sample, 'corpus.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const raw = JSON.parse(line) as { _id: string; title?: string; text?: string };
    return { id: raw._id, ...(raw.title && { title: raw.title }), ...(raw.text && { text: raw.text }) };
  });
const queries = readFileSync(path.join(sample, 'queries.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { text: string }).text);
// The long document is made of the corpus's own words, drawn at random (seeded).
const vocabulary = [...new Set(records.flatMap((r) => `${r.title ?? ''} ${r.text ?? ''}`.toLowerCase().match(/[a-z]+/g) ?? []))].filter((w) => !WORD_STOPWORDS.has(w));
const random = mulberry32(156);
const long: DocumentRecord = { id: 'long', title: 'A very long document', text: Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ') };

const work = mkdtempSync(path.join(tmpdir(), 'document-cap-'));
const storeBytes = (dir: string): number => statSync(path.join(dir, 'store.mdb')).size;
try {
  const table = (await StaticEncoder.load()).table;
  const setups = [
    { name: 'capped (2048 words)', encoder: new StaticEncoder(table) },
    { name: 'uncapped (before)', encoder: new StaticEncoder(table, WORD_STOPWORDS, Number.MAX_SAFE_INTEGER) },
  ];
  const built = [];
  for (const { name, encoder } of setups) {
    const dir = path.join(work, name.split(' ')[0]!);
    const index = await LateIndex.create(dir, { encoder: encoder.identity, reduction: 'none' });
    const result = await new IndexBuilder(index, encoder, parseReductionSpec('none')).addBatch([...records, long]);
    await index.flush();
    built.push({ name, dir, index, retriever: new Retriever(index, encoder), vectors: index.vectorCount(index.getInternalId('long')!)!, truncated: result.truncated });
  }
  const times = new Map<string, number[]>(built.map((b) => [b.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const b of round % 2 === 0 ? built : [...built].reverse()) {
      for (const query of queries) {
        const started = performance.now();
        await b.retriever.search(query, { k: 10 });
        times.get(b.name)!.push(performance.now() - started);
      }
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  for (const b of built) {
    process.stdout.write(`${b.name}: the long document stores ${b.vectors} vectors; search median ${median(times.get(b.name)!).toFixed(1)} ms per query (${rounds} x ${queries.length} queries)${b.truncated.length ? `; reported truncated: ${JSON.stringify(b.truncated)}` : ''}\n`);
  }
  const [capped, uncapped] = built;
  process.stdout.write(`uncapped / capped search time: ${(median(times.get(uncapped!.name)!) / median(times.get(capped!.name)!)).toFixed(1)}x\n`);
  await capped!.index.close();

  const sizes: Record<string, number> = { built: storeBytes(uncapped!.dir) };
  await uncapped!.index.delete(['long']);
  sizes.deleted = storeBytes(uncapped!.dir);
  let started = performance.now();
  await uncapped!.index.compact();
  await uncapped!.index.close();
  const reclaimSeconds = (performance.now() - started) / 1000;
  sizes.compactInPlace = storeBytes(uncapped!.dir);
  started = performance.now();
  const rewrite = await LateIndex.compactStore(uncapped!.dir);
  const rewriteSeconds = (performance.now() - started) / 1000;
  sizes.rewritten = storeBytes(uncapped!.dir);
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  process.stdout.write(
    `store.mdb of the uncapped index: built ${mib(sizes.built!)}, after deleting the long document ${mib(sizes.deleted!)}, after compact() ` +
      `${mib(sizes.compactInPlace!)} (${reclaimSeconds.toFixed(1)} s), after compactStore ${mib(sizes.rewritten!)} (${rewriteSeconds.toFixed(1)} s, ${rewrite.records} records)\n`,
  );
  process.stdout.write(`${JSON.stringify({ words, rounds, vectors: Object.fromEntries(built.map((b) => [b.name, b.vectors])), medianMs: Object.fromEntries([...times].map(([k, v]) => [k, median(v)])), sizes, reclaimSeconds, rewriteSeconds })}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
