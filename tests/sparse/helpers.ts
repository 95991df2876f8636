import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { SparseStore, type SparseStoreOptions } from '../../src/index/sparse/index.js';
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
