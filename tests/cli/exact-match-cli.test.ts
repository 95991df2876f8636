import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, SAMPLE, tempDir } from './helpers.js';

interface Stats {
  exactMatchRecovery: boolean;
  exactTokenBytes?: number;
  documents: number;
  text: string;
}

async function statsOf(...indexArgs: string[]): Promise<Stats> {
  const dir = path.join(tempDir(), 'idx');
  const built = await cli('index', '--corpus', SAMPLE, '--index', dir, '--quiet', ...indexArgs);
  expect(built.code, built.stderr).toBe(0);
  const stats = await cli('stats', '--index', dir, '--json');
  expect(stats.code).toBe(0);
  const text = await cli('stats', '--index', dir);
  return { ...(JSON.parse(stats.stdout) as Omit<Stats, 'text'>), text: text.stderr + text.stdout };
}

describe('index --[no-]exact-match-recovery and stats', () => {
  it('a pooled index of the static encoder keeps token lists by default; stats reports them', async () => {
    const stats = await statsOf('--reduce', 'ward:2');
    expect(stats.exactMatchRecovery).toBe(true);
    // Every sample document has at least one token, 4 bytes each.
    expect(stats.exactTokenBytes).toBeGreaterThanOrEqual(4 * stats.documents);
    expect(stats.text).toMatch(/exact-match recovery\s+on, [\d.]+ [KMG]?i?B of token lists/);
  });

  it('is off with --no-exact-match-recovery and for an unreduced index', async () => {
    for (const args of [['--reduce', 'ward:2', '--no-exact-match-recovery'], ['--reduce', 'none']]) {
      const stats = await statsOf(...args);
      expect(stats.exactMatchRecovery, args.join(' ')).toBe(false);
      expect(stats.exactTokenBytes).toBeUndefined();
      expect(stats.text).toMatch(/exact-match recovery\s+off/);
    }
  });

  it('--exact-match-recovery turns it on for an unreduced index (e.g. under a lossy codec)', async () => {
    const stats = await statsOf('--reduce', 'none', '--quantize', 'int8', '--exact-match-recovery');
    expect(stats.exactMatchRecovery).toBe(true);
    expect(stats.exactTokenBytes).toBeGreaterThanOrEqual(4 * stats.documents);
  });
});
