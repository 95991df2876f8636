import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { Encoder } from '../../src/encode/index.js';
import type { MultiVector } from '../../src/shared/index.js';

export const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/sample');

const created: string[] = [];
// Registered in every test file that imports this module: its temp dirs go when the file is done.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `lateindex-sweep-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Wraps an encoder and counts what it is asked to encode. */
export class CountingEncoder implements Encoder {
  documentCalls = 0;
  documentsEncoded = 0;
  queriesEncoded = 0;
  constructor(private readonly inner: Encoder) {}
  get identity() {
    return this.inner.identity;
  }
  get queryWeighting() {
    return this.inner.queryWeighting;
  }
  get contextFree() {
    return this.inner.contextFree;
  }
  get protectedLeadingTokens() {
    return this.inner.protectedLeadingTokens;
  }
  async encodeDocuments(texts: readonly string[]): Promise<MultiVector[]> {
    this.documentCalls++;
    this.documentsEncoded += texts.length;
    return this.inner.encodeDocuments(texts);
  }
  async encodeQueries(texts: readonly string[]): Promise<MultiVector[]> {
    this.queriesEncoded += texts.length;
    return this.inner.encodeQueries(texts);
  }
  async close(): Promise<void> {}
}

/** A TREC run file as written, in rank-column order: qid -> doc ids. */
export function readRunIds(file: string): Map<string, string[]> {
  const run = new Map<string, { rank: number; id: string }[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [qid, , docid, rank] = line.split(' ');
    let list = run.get(qid!);
    if (!list) run.set(qid!, (list = []));
    list.push({ rank: Number(rank), id: docid! });
  }
  return new Map([...run].map(([qid, list]) => [qid, list.sort((a, b) => a.rank - b.rank).map((d) => d.id)]));
}

/** BEIR qrels TSV (with header): qid -> docid -> grade. */
export function readQrelsTsv(file: string): Map<string, Map<string, number>> {
  const qrels = new Map<string, Map<string, number>>();
  readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .forEach((line) => {
      const [qid, docid, grade] = line.split('\t');
      if (!qrels.has(qid!)) qrels.set(qid!, new Map());
      qrels.get(qid!)!.set(docid!, Number(grade));
    });
  return qrels;
}

/** nDCG@k with gain = grade and discount log2(rank + 1), written out independently of src/eval/metrics.ts. */
export function ndcgAtK(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0;
  for (let r = 1; r <= Math.min(k, ranking.length); r++) {
    const g = judgments.get(ranking[r - 1]!) ?? 0;
    if (g > 0) dcg += g / Math.log2(r + 1);
  }
  const ideal = [...judgments.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let r = 1; r <= Math.min(k, ideal.length); r++) idcg += ideal[r - 1]! / Math.log2(r + 1);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  signature.forEach((b, i) => {
    if (bytes[i] !== b) throw new Error('not a PNG signature');
  });
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('first chunk is not IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
