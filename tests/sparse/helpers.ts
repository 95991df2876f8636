import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { SparseStore, analyze, type SparseDocument, type SparseStoreOptions, type SparseTermsDocument } from '../../src/index/sparse/index.js';
import type { SparseHit } from '../../src/search/sparse/index.js';

export const DATA_ROOT = '/work/shared/data';
export const DATASETS = ['scifact', 'cranfield', 'med', 'cacm', 'lisa', 'vaswani'] as const;

export interface TempStore {
  readonly env: RootDatabase;
  readonly store: SparseStore;
  reopen(options?: SparseStoreOptions): SparseStore;
  close(): void;
}

export function openTempStore(options: SparseStoreOptions = {}): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'lateindex-sparse-test-'));
  const env = open({ path: join(dir, 'store.mdb'), maxDbs: 16, noSync: true });
  return {
    env,
    store: new SparseStore(env, options),
    reopen: (again = {}) => new SparseStore(env, again),
    close() {
      env.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

export function readCorpusTexts(dataset: string): string[] {
  return readJsonl<{ title?: string; text?: string }>(join(DATA_ROOT, dataset, 'corpus.jsonl')).map((r) =>
    r.title && r.text ? `${r.title}\n${r.text}` : r.title || r.text || '',
  );
}

export function readQueryTexts(dataset: string): string[] {
  return readJsonl<{ text: string }>(join(DATA_ROOT, dataset, 'queries.jsonl')).map((r) => r.text);
}

/** Brute-force top-k of a score map: score desc, internal id asc, positive scores only. */
export function bruteTopK(scores: ReadonlyMap<number, number>, k: number): SparseHit[] {
  return [...scores]
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([internalId, score]) => ({ internalId, score }));
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export { mulberry32 as rng } from '../../src/shared/random.js';

/**
 * Lets the event loop run: test files that compute for long stretches yield now and then, since a synchronous
 * minute starves vitest's worker RPC on a loaded machine ("Timeout calling onTaskUpdate").
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Writes `docs` in transactions of `batch` documents, yielding between transactions. */
export async function putAll(temp: TempStore, docs: readonly SparseDocument[], batch = 1000): Promise<void> {
  for (let i = 0; i < docs.length; i += batch) {
    temp.store.runInTransaction(() => temp.store.putDocuments(docs.slice(i, i + batch)));
    await yieldToEventLoop();
  }
}

/** The analysed documents of a collection (internal id = line), yielding every 500 documents. */
export async function analyzeCorpus(dataset: string): Promise<SparseDocument[]> {
  const texts = readCorpusTexts(dataset);
  const docs: SparseDocument[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (i % 500 === 499) await yieldToEventLoop();
    docs.push({ internalId: i, terms: analyze(texts[i]!) });
  }
  return docs;
}

/** First position where two ranked lists differ, for a readable failure. */
export function firstDifference(a: readonly SparseHit[], b: readonly SparseHit[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x?.internalId !== y?.internalId || x?.score !== y?.score) return `rank ${i}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
  }
  return undefined;
}

/**
 * Deletes about a fifth of `docs` (drawn with `random`), re-adds about half of those under new internal ids, and
 * replaces up to 50 live documents in place (ids `first`, `first + step`, ... take the terms of document
 * `id * mix mod n`). Returns what it did and the live documents that should now be stored.
 */
export async function churnStore(
  temp: TempStore,
  docs: readonly SparseDocument[],
  random: () => number,
  replace: { readonly first: number; readonly step: number; readonly mix: number },
): Promise<{ removed: number; deleted: Set<number>; readded: SparseDocument[]; live: Map<number, SparseDocument> }> {
  const deleted = new Set<number>();
  for (const doc of docs) if (random() < 0.2) deleted.add(doc.internalId);
  const idLimit = temp.store.stats().idLimit;
  const removed = temp.store.runInTransaction(() => temp.store.removeDocuments([...deleted]));
  await yieldToEventLoop();
  // Internal ids are never reused: re-added documents get new ones.
  const readded: SparseDocument[] = [];
  let nextId = idLimit;
  for (const id of deleted) if (random() < 0.5) readded.push({ internalId: nextId++, terms: (docs[id] as SparseTermsDocument).terms });
  await putAll(temp, readded, 500);
  const replaced: SparseDocument[] = [];
  for (let id = replace.first; id < docs.length && replaced.length < 50; id += replace.step) {
    if (!deleted.has(id)) replaced.push({ internalId: id, terms: (docs[(id * replace.mix) % docs.length] as SparseTermsDocument).terms });
  }
  await putAll(temp, replaced);
  const live = new Map<number, SparseDocument>();
  for (const doc of docs) if (!deleted.has(doc.internalId)) live.set(doc.internalId, doc);
  for (const doc of [...readded, ...replaced]) live.set(doc.internalId, doc);
  return { removed, deleted, readded, live };
}
