import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrecomputedEncoder } from '../../src/encode/index.js';
import { LateIndex } from '../../src/index/late-index.js';
import { LateIndexError } from '../../src/shared/index.js';
import { openInChild, repoRoot, runNode } from './child-index.js';
import { fields, makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const DIM = 32;
const { cleanups, newDir } = useCleanups();

/** 150 small documents with text, and one big one (4000 rows, long text). */
async function buildIndex(dir: string): Promise<void> {
  const random = rng(156);
  const words = ['glacier', 'bread', 'yeast', 'river', 'stone', 'protein', 'cell', 'orbit', 'quartz', 'delta'];
  const index = await LateIndex.create(dir, { encoder: new PrecomputedEncoder(DIM).identity });
  const docs = Array.from({ length: 150 }, (_, i) =>
    makeDoc(`doc${i}`, randomUnitRows(random, 3 + (i % 6), DIM), DIM, fields({ text: Array.from({ length: 40 }, (_, w) => words[(i + w * 7) % words.length]).join(' ') })),
  );
  const bigText = Array.from({ length: 30_000 }, (_, w) => `${words[w % words.length]}${w % 997}`).join(' ');
  await index.upsert([...docs, makeDoc('big', randomUnitRows(random, 4000, DIM), DIM, fields({ title: 'Big', text: bigText }))]);
  await index.close();
}

/** What a search of each kind answers, for comparing an index with itself after compaction. */
async function answers(dir: string): Promise<unknown> {
  const index = await LateIndex.open(dir, { readOnly: true });
  try {
    const random = rng(7);
    const queries = Array.from({ length: 5 }, () => randomUnitRows(random, 1, DIM));
    const candidates = queries.map((q) => index.searchHnswDocuments(q, 20).map((h) => [h.internalId, h.similarity]));
    const sparse = index.sparse!;
    const postings = ['glacier', 'quartz', 'delta'].map((term) => sparse.termBlocks(term));
    const vectors = [...index.liveInternalIds()].map((id) => [index.getDocument(id)!.id, Array.from(index.readVectors(id)!.data)]);
    return { candidates, postings, vectors, counts: index.counts(), origin: index.inspect().distinct().graphOrigin };
  } finally {
    await index.close();
  }
}

/** A child process holding the index open until released. */
async function holder(dir: string): Promise<{ child: ChildProcess; release: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tests/index/index-child.ts'), dir, 'hold'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((opened, failed) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('open') && opened());
    child.on('exit', (code) => failed(new Error(`holder exited with ${code}`)));
  });
  const release = async (): Promise<void> => {
    child.stdin!.end();
    await new Promise((closed) => child.on('close', closed));
  };
  cleanups.push(() => (child.exitCode === null ? release() : undefined));
  return { child, release };
}

describe('compacting the LMDB file', () => {
  it('after a big document is deleted, the file shrinks; every record, search and check is the same, and later writes work', { timeout: 300_000 }, async () => {
    const root = newDir();
    const dir = join(root, 'idx');
    await buildIndex(dir);
    const index = await LateIndex.open(dir);
    await index.delete(['big']);
    await index.close();
    const before = statSync(join(dir, 'store.mdb')).size;
    const expected = await answers(dir);
    const copy = join(root, 'before');
    mkdirSync(copy);
    cpSync(dir, copy, { recursive: true });

    const report = await LateIndex.compactStore(dir);
    const after = statSync(join(dir, 'store.mdb')).size;
    expect(report).toMatchObject({ bytesBefore: before, bytesAfter: after });
    expect(report.databases).toBeGreaterThan(10);
    // The big document's 4000 float16 rows (256 KB) and its text and postings were given back.
    expect(after).toBeLessThan(before - 256 * 1024);
    expect(readdirSync(dir).sort()).toEqual(['hnsw.bin', 'hnsw.json', 'manifest.json', 'store.mdb', 'store.mdb-lock']);

    // Byte for byte the same records in every database.
    const compared = await runNode(['--import', 'tsx', join(repoRoot, 'scripts/compare-stores.ts'), copy, dir]);
    expect(compared, compared.stdout).toMatchObject({ code: 0 });
    expect(await answers(dir)).toEqual({ ...(expected as object), origin: 'loaded' });
    const reopened = await LateIndex.open(dir, { readOnly: true });
    expect(reopened.verify()).toMatchObject({ ok: true, problems: [], warnings: [] });
    await reopened.close();

    // Large transactions on the rewritten file (in a child: an LMDB assertion would abort the process).
    const churn = await openInChild(dir, 'churn');
    expect(churn, churn.stderr).toMatchObject({ code: 0 });
    const churned = await LateIndex.open(dir, { readOnly: true });
    expect(churned.verify().problems).toEqual([]);
    expect(churned.counts().documents).toBe(150);
    await churned.close();
  });

  it('lateindex compact reclaims the graph and the sparse blocks, then rewrites the file; searches answer the same', { timeout: 300_000 }, async () => {
    const dir = join(newDir(), 'idx');
    await buildIndex(dir);
    const index = await LateIndex.open(dir);
    await index.delete(['big']);
    await index.close();
    const before = statSync(join(dir, 'store.mdb')).size;
    const expected = (await answers(dir)) as { candidates: unknown; vectors: unknown; counts: unknown };
    const result = await runNode([join(repoRoot, 'bin/lateindex.js'), 'compact', '--index', dir, '--json']);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    const printed = JSON.parse(result.stdout) as { store: { bytesBefore: number; bytesAfter: number }; graphTombstonesDropped: number };
    expect(printed.store.bytesBefore).toBe(before);
    expect(printed.store.bytesAfter).toBe(statSync(join(dir, 'store.mdb')).size);
    expect(printed.store.bytesAfter).toBeLessThan(before - 256 * 1024);
    expect(printed.graphTombstonesDropped).toBeGreaterThan(3000);
    const now = (await answers(dir)) as typeof expected;
    expect(now.vectors).toEqual(expected.vectors);
    expect(now.counts).toEqual(expected.counts);
    // The graph was rebuilt without tombstones: the same nearest documents (similarities are exact dot products).
    expect(now.candidates).toEqual(expected.candidates);
    const verified = await runNode([join(repoRoot, 'bin/lateindex.js'), 'verify', '--index', dir]);
    expect(verified.stdout).toMatch(/consistent \(150 documents/);
  });

  it('is refused while another process holds the index open, and lateindex compact then skips only the rewrite', { timeout: 300_000 }, async () => {
    const dir = join(newDir(), 'idx');
    await buildIndex(dir);
    const before = statSync(join(dir, 'store.mdb')).size;
    const { child, release } = await holder(dir);
    const refused = await LateIndex.compactStore(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(LateIndexError);
    expect((refused as LateIndexError).code).toBe('index_locked');
    expect((refused as LateIndexError).message).toContain(`while process ${child.pid} has the index open`);
    const cli = await runNode([join(repoRoot, 'bin/lateindex.js'), 'compact', '--index', dir]);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain(`warning: the LMDB file was not rewritten: ${join(dir, 'store.mdb')}: cannot rewrite the file compacted while process ${child.pid}`);
    expect(statSync(join(dir, 'store.mdb')).size).toBeGreaterThanOrEqual(before);
    expect(existsSync(join(dir, 'store.mdb.compacting'))).toBe(false);
    await release();
    await LateIndex.compactStore(dir);
  });

  it('an open waits while another live process swaps the file, and clears what a killed compaction left', { timeout: 300_000 }, async () => {
    const dir = join(newDir(), 'idx');
    await buildIndex(dir);
    // Any live process other than this one stands for the compacting one.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    cleanups.push(() => void child.kill());
    const marker = join(dir, 'store.mdb.compacting');
    writeFileSync(marker, JSON.stringify({ pid: child.pid }));
    let opened = false;
    const opening = LateIndex.open(dir, { readOnly: true }).then((index) => {
      opened = true;
      return index;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(opened).toBe(false);
    child.kill();
    await new Promise((resolve) => child.on('close', resolve));
    // Its process is gone: the marker is stale, removed, and the open goes ahead.
    const index = await opening;
    expect(existsSync(marker)).toBe(false);
    expect(index.counts().documents).toBe(151);
    await index.close();

    // A copy a killed compaction left (its pid is dead) is removed by the next one.
    const leftover = join(dir, `store.mdb.compact-${child.pid}`);
    writeFileSync(leftover, 'partial copy');
    writeFileSync(`${leftover}-lock`, '');
    await LateIndex.compactStore(dir);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(`${leftover}-lock`)).toBe(false);
  });
});
