/**
 * Sparse store size on SciFact per block size, per named database (B-tree pages x page size), after reordering.
 * Run: npx tsx bench/sparse-storage.ts
 */
import { analyze } from '../src/index/sparse/index.js';
import { openTempStore, putInBatches, readCorpus } from './sparse-datasets.js';
const corpus = readCorpus('scifact');
for (const blockSize of [64, 32, 16]) {
  const temp = openTempStore({ blockSize });
  putInBatches(temp.store, corpus.map((d, internalId) => ({ internalId, terms: analyze(d.text) })));
  temp.store.runInTransaction(() => temp.store.reorder());
  const row: string[] = [];
  let total = 0;
  for (const name of ['terms', 'termBlocks', 'postings', 'blocks', 'docs', 'slots', 'slotIds']) {
    const st = temp.env.openDB({ name: `sparse.${name}` }).getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    const bytes = st.pageSize * (st.treeBranchPageCount + st.treeLeafPageCount + st.overflowPages);
    total += bytes;
    row.push(`${name} ${(bytes / 1024).toFixed(0)}K`);
  }
  console.log(`bs ${blockSize}: total ${(total / 1024).toFixed(0)} KiB (${(total / corpus.length).toFixed(0)} B/doc): ${row.join(', ')}`);
  temp.close();
}
