/**
 * Sparse store costs on SciFact per block size, after reordering: size per named database (B-tree pages x page
 * size), and the time of 1,000 replacements and 1,000 deletes of random documents in batches of 100.
 * Run: npx tsx bench/sparse-store-costs.ts [--block-sizes 64,32,16]
 */
import { analyze } from '../src/index/sparse/index.js';
import { mulberry32 } from '../src/shared/random.js';
import { openTempStore, putInBatches, readCorpus } from './sparse-datasets.js';

const at = process.argv.indexOf('--block-sizes');
const blockSizes = (at >= 0 ? process.argv[at + 1]! : '64,32,16').split(',').map(Number);
const corpus = readCorpus('scifact');
const docs = corpus.map((d, internalId) => ({ internalId, terms: analyze(d.text) }));

for (const blockSize of blockSizes) {
  const temp = openTempStore({ blockSize });
  putInBatches(temp.store, docs);
  temp.store.runInTransaction(() => temp.store.reorder());
  const row: string[] = [];
  let total = 0;
  for (const name of ['terms', 'termBlocks', 'postings', 'blocks', 'docs', 'slots', 'slotIds']) {
    // Reopen each database with the store's key encoding: lmdb-js re-opens the handle with these flags.
    const uint32Keys = name !== 'terms' && name !== 'postings';
    const st = temp.env.openDB({ name: `sparse.${name}`, ...(uint32Keys && { keyEncoding: 'uint32' as const }) }).getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    const bytes = st.pageSize * (st.treeBranchPageCount + st.treeLeafPageCount + st.overflowPages);
    total += bytes;
    row.push(`${name} ${(bytes / 1024).toFixed(0)} KiB`);
  }
  console.log(`block size ${blockSize}: ${(total / 1024).toFixed(0)} KiB (${(total / corpus.length).toFixed(0)} B/doc): ${row.join(', ')}`);

  const random = mulberry32(7);
  let t = performance.now();
  for (let b = 0; b < 10; b++) {
    const batch = new Map(Array.from({ length: 100 }, () => docs[Math.floor(random() * docs.length)]!).map((d) => [d.internalId, d]));
    temp.store.runInTransaction(() => temp.store.putDocuments([...batch.values()]));
  }
  const replaceMs = performance.now() - t;
  t = performance.now();
  for (let b = 0; b < 10; b++) {
    const ids = Array.from({ length: 100 }, () => Math.floor(random() * docs.length));
    temp.store.runInTransaction(() => temp.store.removeDocuments(ids));
  }
  console.log(`  1000 replacements ${replaceMs.toFixed(0)} ms, 1000 deletes ${(performance.now() - t).toFixed(0)} ms (batches of 100)`);
  temp.close();
}
