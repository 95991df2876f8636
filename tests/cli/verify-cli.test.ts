import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/index.js';
import { cli, SAMPLE, tempDir } from './helpers.js';

describe('lateindex verify', () => {
  it('reports a sound index as consistent, and a damaged one with its problems and exit code 1', async () => {
    const dir = path.join(tempDir(), 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', dir, '--reduce', 'ward:2', '--quiet')).code).toBe(0);
    const sound = await cli('verify', '--index', dir);
    expect(sound.code).toBe(0);
    expect(sound.stdout).toMatch(/consistent \(30 documents, \d+ vectors, \d+ terms checked\)/);

    // Damage: drop one document's stored vectors and one exact-match list behind the index's back.
    const index = await LateIndex.open(dir);
    const store = index.inspect().store;
    const victim = index.getInternalId('bread-sourdough')!;
    store.transaction(() => {
      store.vectors.removeSync(victim);
      index.exactTokens!.remove(index.getInternalId('glacier-flow')!);
    });
    await index.close();

    const damaged = await cli('verify', '--index', dir);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/problem: document \d+ \("bread-sourdough"\) has no stored vectors/);
    expect(damaged.stdout).toMatch(/problem: bookkeeping says \d+ exact-match token bytes/);
    expect(damaged.stderr).toMatch(/consistency problems found \[index_inconsistent\]/);
    const json = await cli('verify', '--index', dir, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: string[] };
    expect(report.ok).toBe(false);
    expect(report.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('warns about a missing graph without repairing it; the first search rebuilds and saves it, the second loads it', async () => {
    const dir = path.join(tempDir(), 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', dir, '--quiet')).code).toBe(0);
    rmSync(path.join(dir, 'hnsw.bin'));
    const missing = await cli('verify', '--index', dir);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toContain('warning: hnsw.bin cannot be used (missing: hnsw.bin does not exist); the next open rebuilds the graph from LMDB and saves it');
    expect(existsSync(path.join(dir, 'hnsw.bin'))).toBe(false);
    const json = JSON.parse((await cli('verify', '--index', dir, '--json')).stdout) as { ok: boolean; warnings: string[] };
    expect(json).toMatchObject({ ok: true, warnings: [expect.stringContaining('hnsw.bin cannot be used (missing')] });

    const first = await cli('search', '--index', dir, '--query', 'what makes bread rise', '--json');
    expect(first.code).toBe(0);
    expect(existsSync(path.join(dir, 'hnsw.bin'))).toBe(true);
    const second = await cli('search', '--index', dir, '--query', 'what makes bread rise', '--json');
    const hits = (out: string): unknown => (JSON.parse(out) as { hits: unknown }).hits;
    expect(hits(second.stdout)).toEqual(hits(first.stdout));
    const reopened = await LateIndex.open(dir, { readOnly: true });
    expect(reopened.inspect().distinct().graphOrigin).toBe('loaded');
    await reopened.close();
    const sound = await cli('verify', '--index', dir);
    expect(sound.code).toBe(0);
    expect(sound.stderr).not.toContain('warning');
  });

  it('names a missing index directory', async () => {
    const missing = await cli('verify', '--index', path.join(tempDir(), 'nothing-here'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such index directory/);
  });
});
