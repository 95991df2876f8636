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

  it('names a missing index directory', async () => {
    const missing = await cli('verify', '--index', path.join(tempDir(), 'nothing-here'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such index directory/);
  });
});
