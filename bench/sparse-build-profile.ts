/** Write-path profile helper: builds N synthetic documents. Run: npx tsx bench/sparse-build-profile.ts 20000 */
import { openTempStore } from './sparse-datasets.js';
import { scifactSource, syntheticCorpus, type SyntheticDocument } from './synthetic-corpus.js';
const n = Number(process.argv[2] ?? 20000);
const source = scifactSource();
const docs: SyntheticDocument[] = [...syntheticCorpus(source, { documents: n })];
const temp = openTempStore();
const t = performance.now();
for (let i = 0; i < docs.length; i += 10_000) temp.store.runInTransaction(() => temp.store.putDocuments(docs.slice(i, i + 10_000)));
console.log(`${n} docs written in ${(performance.now() - t).toFixed(0)} ms`);
temp.close();
