import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { analyze, SparseStore, type SparseDocument, type SparseStoreOptions } from '../src/index/sparse/index.js';
import { documentText } from '../src/shared/index.js';

export const DATA_ROOT = '/work/shared/data';

export interface BeirDoc {
  readonly id: string;
  readonly text: string;
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** Documents of a BEIR corpus as title + "\n" + text. */
export function readCorpus(dataset: string): BeirDoc[] {
  return readJsonl<{ _id: string; title?: string; text?: string }>(join(DATA_ROOT, dataset, 'corpus.jsonl')).map((r) => ({
    id: r._id,
    text: documentText(r),
  }));
}

export function readQueries(dataset: string): BeirDoc[] {
  return readJsonl<{ _id: string; text: string }>(join(DATA_ROOT, dataset, 'queries.jsonl')).map((r) => ({ id: r._id, text: r.text }));
}

/** qrels: query id -> (doc id -> grade). */
export function readQrels(dataset: string, split = 'test'): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const lines = readFileSync(join(DATA_ROOT, dataset, 'qrels', `${split}.tsv`), 'utf8').split('\n');
  for (const line of lines.slice(1)) {
    const [q, d, s] = line.split('\t');
    if (!q || !d || s === undefined) continue;
    let m = out.get(q);
    if (!m) out.set(q, (m = new Map()));
    m.set(d, Number(s));
  }
  return out;
}

export interface TempStore {
  readonly env: RootDatabase;
  readonly store: SparseStore;
  close(): void;
}

/** A sparse store in a fresh temporary LMDB environment (no fsync: scratch data). */
export function openTempStore(options: SparseStoreOptions = {}, mapSize = 2 ** 34): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'lateindex-sparse-'));
  const env = open({ path: join(dir, 'store.mdb'), maxDbs: 16, noSync: true, mapSize });
  const store = new SparseStore(env, options);
  return {
    env,
    store,
    close() {
      env.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes documents in transactions of `batch` documents; internal ids are the positions in `docs`. */
export function putInBatches(store: SparseStore, docs: readonly SparseDocument[], batch = 2000): void {
  for (let i = 0; i < docs.length; i += batch) {
    const slice = docs.slice(i, i + batch);
    store.runInTransaction(() => store.putDocuments(slice));
  }
}

export function analyzedCorpus(docs: readonly BeirDoc[]): SparseDocument[] {
  return docs.map((d, internalId) => ({ internalId, terms: analyze(d.text) }));
}

/** trec_eval nDCG@k: gain = grade, discount log2(rank + 1), ideal from all judged grades. */
export function ndcgAt(ranked: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) dcg += (judged.get(ranked[i]!) ?? 0) / Math.log2(i + 2);
  const ideal = [...judged.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}
