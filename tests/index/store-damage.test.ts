import { cpSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrecomputedEncoder } from '../../src/encode/index.js';
import { LateIndex } from '../../src/index/late-index.js';
import type { ProcessResult } from '../child-process.js';
import { openInChild, repoRoot, runNode } from './child-index.js';
import { fields, makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const DIM = 32;
const { newDir } = useCleanups();

/** An index of precomputed vectors (no encoder to load) with text, so its file has many pages of several trees. */
async function buildIndex(dir: string): Promise<void> {
  const random = rng(1708);
  const words = ['glacier', 'bread', 'yeast', 'river', 'stone', 'protein', 'cell', 'orbit'];
  const index = await LateIndex.create(dir, { encoder: new PrecomputedEncoder(DIM).identity });
  for (let batch = 0; batch < 4; batch++) {
    const docs = Array.from({ length: 100 }, (_, i) => {
      const text = Array.from({ length: 120 }, (_, w) => words[(i * 7 + w * 3 + batch) % words.length]).join(' ');
      return makeDoc(`doc${batch * 100 + i}`, randomUnitRows(random, 4 + (i % 9), DIM), DIM, fields({ title: `document ${i}`, text }));
    });
    await index.upsert(docs);
  }
  await index.close();
}

/** Bytes from a seeded generator, so a garbled region is the same in every run. */
function garbage(length: number, seed: number): Buffer {
  const random = rng(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const content = readFileSync(file);
  bytes.copy(content, offset);
  writeFileSync(file, content);
}

/** The one-line `index_corrupt` error naming the file and the way out. */
function expectCorruptError(result: ProcessResult, file: string, what: string): void {
  expect(result.signal).toBeUndefined();
  expect(result.code).toBe(1);
  // The bin's own note when dist/ is stale (running the sources) is not the command's output.
  const lines = result.stderr.split('\n').filter((line) => line.length > 0 && !line.startsWith('lateindex: dist/'));
  expect(lines, `${what}: ${result.stderr}`).toHaveLength(1);
  expect(lines[0]).toContain(`error: ${file}: the LMDB store is damaged (`);
  expect(lines[0]).toContain('restore the index directory from a copy, or rebuild it from the corpus');
  expect(lines[0]).toMatch(/\[index_corrupt\]$/);
}

describe('a damaged LMDB file is reported, never a crash', () => {
  it('refuses truncated files and garbled meta pages in every mode, and garbled tree pages when writing or verifying', { timeout: 600_000 }, async () => {
    const root = newDir();
    const pristine = join(root, 'pristine');
    await buildIndex(pristine);
    const storeSize = statSync(join(pristine, 'store.mdb')).size;
    expect(storeSize).toBeGreaterThan(256 * 1024);

    const damages: [string, (file: string) => void][] = [
      ['truncated to half', (file) => truncateSync(file, storeSize >> 1)],
      ['truncated to 8 KiB', (file) => truncateSync(file, 8192)],
      ['truncated to zero', (file) => truncateSync(file, 0)],
      ['both meta pages garbled', (file) => overwrite(file, 0, garbage(8192, 1))],
      ['the second meta page garbled', (file) => overwrite(file, 4096, garbage(4096, 2))],
      // The pages after the meta pages hold trees the index reads and writes (its named databases' pages).
      ['64 KiB garbled in the first quarter', (file) => overwrite(file, 8192, garbage(65536, 3))],
    ];
    const cases = damages.map(([name, damage]) => {
      const dir = join(root, name.replace(/\W+/g, '-'));
      mkdirSync(dir);
      cpSync(pristine, dir, { recursive: true });
      const file = join(dir, 'store.mdb');
      damage(file);
      return { name, dir, file, copy: readFileSync(file) };
    });
    // Two children at a time: each starts tsx.
    const runs = cases.flatMap((c) => (['write', 'verify', 'read'] as const).map((mode) => ({ ...c, mode })));
    const results: ProcessResult[] = [];
    for (let i = 0; i < runs.length; i += 2) results.push(...(await Promise.all(runs.slice(i, i + 2).map((r) => openInChild(r.dir, r.mode)))));
    runs.forEach((r, i) => {
      const result = results[i]!;
      const what = `${r.name}, ${r.mode}`;
      if (r.mode === 'read' && r.name.includes('first quarter')) {
        // Read-only opens check the meta pages only (a full walk would slow every search); never a signal.
        expect(result.signal, what).toBeUndefined();
        return;
      }
      expectCorruptError(result, r.file, what);
    });
    // Refused before any write: each damaged file is left as it was, for whoever restores it.
    for (const c of cases) expect(readFileSync(c.file).equals(c.copy), c.name).toBe(true);
    // The pristine copy opens, writes and verifies.
    for (const mode of ['write', 'verify'] as const) expect(await openInChild(pristine, mode)).toMatchObject({ code: 0 });
  });

  it('lateindex verify prints the one line and exits 1', { timeout: 300_000 }, async () => {
    const dir = newDir();
    await buildIndex(dir);
    const file = join(dir, 'store.mdb');
    truncateSync(file, statSync(file).size >> 1);
    expectCorruptError(await runNode([join(repoRoot, 'bin/lateindex.js'), 'verify', '--index', dir]), file, 'lateindex verify');
  });
});
