import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrecomputedEncoder } from '../../src/encode/index.js';
import { LateIndex } from '../../src/index/late-index.js';
import { openInChild } from './child-index.js';
import { makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const DIM = 16;
const M = 16;
const { newDir } = useCleanups();

/** hnswlib's file layout for this dim and M (see src/index/token-vectors/distinct/hnsw-file.ts). */
const HEADER = 96;
const LINKS_LEVEL0 = 2 * M * 4 + 4;
const LABEL_OFFSET = LINKS_LEVEL0 + DIM * 4;
const RECORD = LABEL_OFFSET + 8;

async function buildIndex(dir: string): Promise<number> {
  const random = rng(1711);
  const index = await LateIndex.create(dir, { encoder: new PrecomputedEncoder(DIM).identity, hnsw: { m: M } });
  await index.upsert(Array.from({ length: 80 }, (_, i) => makeDoc(`doc${i}`, randomUnitRows(random, 3, DIM), DIM)));
  const elements = index.inspect().distinct().graphStats().elements;
  await index.close();
  return elements;
}

/** Rewrites the sidecar so its size and checksum match the (garbled) file, as a careless tool or an attacker would. */
function reseal(dir: string): void {
  const bytes = readFileSync(join(dir, 'hnsw.bin'));
  const sidecarFile = join(dir, 'hnsw.json');
  const sidecar = JSON.parse(readFileSync(sidecarFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(sidecarFile, JSON.stringify({ ...sidecar, bytes: bytes.length, sha1: createHash('sha1').update(bytes).digest('hex') }));
}

function garble(bytes: Buffer, offset: number, length: number, seed: number): void {
  const random = rng(seed);
  for (let i = offset; i < Math.min(bytes.length, offset + length); i++) bytes[i] = Math.floor(random() * 256);
}

describe('a resealed but garbled hnsw.bin', () => {
  it('is never trusted and never fatal: the writer rebuilds the graph from LMDB, writes, searches and saves a sound one', { timeout: 600_000 }, async () => {
    const root = newDir();
    const pristine = join(root, 'pristine');
    const elements = await buildIndex(pristine);
    expect(elements).toBeGreaterThan(200);
    const upperLevels = HEADER + elements * RECORD;
    const damages: [string, (bytes: Buffer) => void][] = [
      ['the header', (b) => garble(b, 0, HEADER, 1)],
      ['the entry point', (b) => b.writeUInt32LE(elements + 5, 52)],
      ['level-0 neighbour ids', (b) => garble(b, HEADER + 3 * RECORD + 4, 4 * M, 2)],
      ['a level-0 neighbour count', (b) => b.writeUInt16LE(0xffff, HEADER + 4 * RECORD)],
      ['a label beyond the next label', (b) => b.writeUInt32LE(0x7fffffff, HEADER + 7 * RECORD + LABEL_OFFSET)],
      ['a label held twice', (b) => b.copy(b, HEADER + 8 * RECORD + LABEL_OFFSET, HEADER + 9 * RECORD + LABEL_OFFSET, HEADER + 9 * RECORD + LABEL_OFFSET + 8)],
      ['a vector value that is not a number', (b) => b.writeFloatLE(Number.NaN, HEADER + 2 * RECORD + LINKS_LEVEL0)],
      ['the upper levels', (b) => garble(b, upperLevels, 256, 3)],
      ['4 KiB in the middle', (b) => garble(b, HEADER + Math.floor(elements / 2) * RECORD, 4096, 4)],
    ];
    const cases = damages.map(([name, damage], i) => {
      const dir = join(root, `case${i}`);
      mkdirSync(dir);
      cpSync(pristine, dir, { recursive: true });
      const file = join(dir, 'hnsw.bin');
      const bytes = readFileSync(file);
      damage(bytes);
      writeFileSync(file, bytes);
      reseal(dir);
      return { name, dir };
    });
    for (let i = 0; i < cases.length; i += 2) {
      const batch = cases.slice(i, i + 2);
      const results = await Promise.all(batch.map((c) => openInChild(c.dir, 'write')));
      batch.forEach((c, j) => {
        const result = results[j]!;
        expect(result, c.name).toMatchObject({ code: 0 });
        expect(JSON.parse(result.stdout), c.name).toEqual({ origin: 'rebuilt:invalid' });
      });
    }
    for (const { name, dir } of cases) {
      // The writer saved the graph it rebuilt: it loads, and it matches LMDB vector for vector.
      const index = await LateIndex.open(dir, { readOnly: true });
      expect(index.inspect().distinct().graphOrigin, name).toBe('loaded');
      expect(index.verify().problems, name).toEqual([]);
      expect(index.counts().documents, name).toBe(81);
      await index.close();
    }
  });

  it('verify reports a resealed graph that is unsound, and one whose vectors are not the stored ones', { timeout: 300_000 }, async () => {
    const root = newDir();
    const dir = join(root, 'idx');
    await buildIndex(dir);
    const file = join(dir, 'hnsw.bin');
    const original = readFileSync(file);

    // Finite values in place of element 5's vector: a sound graph, trusted at open, but not LMDB's vectors.
    const changed = Buffer.from(original);
    for (let j = 0; j < DIM; j++) changed.writeFloatLE(0.25, HEADER + 5 * RECORD + LINKS_LEVEL0 + 4 * j);
    writeFileSync(file, changed);
    reseal(dir);
    const index = await LateIndex.open(dir, { readOnly: true, saveRebuiltGraph: false });
    expect(index.inspect().distinct().graphOrigin).toBe('loaded');
    const report = index.verify();
    await index.close();
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/^label \d+: the HNSW graph holds another vector than document \d+ \("doc\d+"\) row \d stores \(value 0: 0\.25 against /);

    // Unsound (a neighbour beyond the graph): rebuilt in memory, and reported.
    const unsound = Buffer.from(original);
    unsound.writeUInt32LE(elementsOf(original) + 3, HEADER + 2 * RECORD + 4);
    writeFileSync(file, unsound);
    reseal(dir);
    const result = await openInChild(dir, 'verify');
    expect(result).toMatchObject({ code: 0 });
    const { origin, verify } = JSON.parse(result.stdout) as { origin: string; verify: { ok: boolean; problems: string[]; warnings: string[] } };
    expect(origin).toBe('rebuilt:invalid');
    expect(verify.ok).toBe(false);
    expect(verify.problems).toEqual([
      `hnsw.bin matches hnsw.json but is not a sound graph of this index (element 2 has neighbour ${elementsOf(original) + 3} at level 0, beyond ` +
        `${elementsOf(original)} elements): it was written damaged or sealed by something else; the next open rebuilds the graph from LMDB and saves it`,
    ]);
  });
});

/** The element count in an hnsw.bin header. */
function elementsOf(bytes: Buffer): number {
  return Number(bytes.readBigUInt64LE(16));
}
