import { afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncoderIdentity } from '../../src/encode/encoder.js';
import { sparseInputFor } from '../../src/index/index.js';
import type { PreparedDocument, SparseIndexMode } from '../../src/index/types.js';
import { normalizeRows, type DocumentRecord } from '../../src/shared/index.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export { mulberry32 as rng } from '../../src/shared/random.js';

/** `count` random unit vectors (Gaussian via Box-Muller, then normalised). */
export function randomUnitRows(random: () => number, count: number, dim: number): Float32Array {
  const data = new Float32Array(count * dim);
  for (let i = 0; i < data.length; i++) {
    const u = Math.max(random(), 1e-12);
    data[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return normalizeRows(data, dim);
}

export function makeDoc(id: string, rows: Float32Array, dim: number, extra: Partial<PreparedDocument> = {}): PreparedDocument {
  return { id, vectors: { dim, count: rows.length / dim, data: rows }, ...extra };
}

/**
 * Record fields as the ingest pipeline prepares them for an index of sparse `mode`: title and text, and what the
 * sparse postings index of them (BM25 terms of the text, or the given learned weights).
 */
export function fields(record: Pick<DocumentRecord, 'title' | 'text' | 'sparse'>, mode: SparseIndexMode = 'bm25'): Partial<PreparedDocument> {
  const sparse = sparseInputFor(record, mode);
  return {
    ...(record.title !== undefined && { title: record.title }),
    ...(record.text !== undefined && { text: record.text }),
    ...(sparse !== undefined && { sparse }),
  };
}

export function encoderIdentity(dim: number, hash = 'h1'): EncoderIdentity {
  return { kind: 'precomputed', name: 'test-vectors', dim, hash };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'lateindex-test-'));
  return { dir: join(root, 'idx'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[aOff + j]! * b[bOff + j]!;
  return s;
}

/**
 * Per-test cleanup for a test file: `cleanups` run after each test (last first), `newDir()` makes a temp dir
 * removed then. Call once at the top level of the file.
 */
export function useCleanups(): { cleanups: (() => void | Promise<void>)[]; newDir: () => string } {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return {
    cleanups,
    newDir: () => {
      const t = tempDir();
      cleanups.push(t.cleanup);
      return t.dir;
    },
  };
}

/** Cosine of the rows at `off` in `a` and `b` (plain float64 sums: the reference the codec tests compare with). */
export function cosine(a: Float32Array, b: Float32Array, off: number, dim: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < dim; j++) {
    ab += a[off + j]! * b[off + j]!;
    aa += a[off + j]! ** 2;
    bb += b[off + j]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
