/**
 * What a missing `hnsw.bin` costs: removes it from a copy of `--index`, then times two `lateindex search` runs in a
 * row (wall clock of the whole command, which is what a user waits for) and says how the graph was obtained each
 * time. With `--base <checkout>` (e.g. `git worktree add --detach /tmp/base main`, sharing node_modules), the same
 * is done with that checkout's CLI, rounds alternating between the two so both see the same machine load.
 * Run: npx tsx bench/missing-graph.ts --index <dir> [--base <checkout>] [--rounds 3] [--query "..."]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const source = argument('index', '');
if (!source) {
  process.stderr.write('usage: npx tsx bench/missing-graph.ts --index <dir> [--base <checkout>] [--rounds 3] [--query "..."]\n');
  process.exit(2);
}
const base = argument('base', '');
const rounds = Number(argument('rounds', '3'));
const query = argument('query', 'microglia in the brain');
const trees = [{ name: 'this tree', root: path.resolve(import.meta.dirname, '..') }, ...(base ? [{ name: 'base', root: path.resolve(base) }] : [])];

const work = mkdtempSync(path.join(tmpdir(), 'missing-graph-'));
const seconds: Record<string, { first: number[]; second: number[]; third: number[] }> = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const tree of round % 2 === 0 ? trees : [...trees].reverse()) {
      const dir = path.join(work, 'idx');
      rmSync(dir, { recursive: true, force: true });
      cpSync(source, dir, { recursive: true });
      rmSync(path.join(dir, 'hnsw.bin'));
      const times = (seconds[tree.name] ??= { first: [], second: [], third: [] });
      for (const run of ['first', 'second', 'third'] as const) {
        const started = performance.now();
        const result = spawnSync(process.execPath, [path.join(tree.root, 'bin/lateindex.js'), 'search', '--index', dir, '--query', query, '--json'], { encoding: 'utf8' });
        if (result.status !== 0) throw new Error(`${tree.name}: search failed: ${result.stderr}`);
        times[run].push((performance.now() - started) / 1000);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rows = Object.entries(seconds).map(([name, t]) => ({ tree: name, first: median(t.first), second: median(t.second), third: median(t.third) }));
for (const row of rows) {
  process.stdout.write(`${row.tree}: after rm hnsw.bin, search 1 ${row.first.toFixed(2)} s, search 2 ${row.second.toFixed(2)} s, search 3 ${row.third.toFixed(2)} s (median of ${rounds})\n`);
}
process.stdout.write(`${JSON.stringify({ index: source, query, rounds, seconds })}\n`);
