/**
 * Start-up of the CLI: wall time of `--help`, `--version` and a `search` on the bundled sample index (which
 * includes loading the embedded encoder's table), run from dist/ (what `bin/lateindex.js` runs after `npm ci`), from
 * the TypeScript sources through tsx (its fallback when dist/ is stale), and optionally from a baseline checkout
 * (e.g. the commit before the compiled build: `git worktree add /tmp/base <commit>`, then link node_modules into it).
 * Bare `node -e 0` is measured as the floor. Every variant runs in the same loop, interleaved, so load on the
 * machine affects them alike; CPU time (user + system, from GNU time when /usr/bin/time exists) depends far less on
 * that load than wall time does.
 * Usage: npx tsx bench/cli-startup.ts [--runs 7] [--baseline <checkout>]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { distIsFresh } from '../scripts/build-stamp.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);
const root = path.resolve(import.meta.dirname, '..');
if (!distIsFresh(root)) execFileSync(process.execPath, [path.join(root, 'scripts/build.js')], { stdio: 'inherit' });

const work = mkdtempSync(path.join(os.tmpdir(), 'lateindex-startup-'));
const index = path.join(work, 'sample');
execFileSync(process.execPath, [path.join(root, 'bin/lateindex.js'), 'index', '--corpus', path.join(root, 'data/sample'), '--index', index, '--quiet'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});

const commands: Record<string, string[]> = {
  '--help': ['--help'],
  '--version': ['--version'],
  search: ['search', '--index', index, '--query', 'what makes bread rise'],
};
const variants: Record<string, (args: string[]) => string[]> = {
  'dist (bin)': (args) => [path.join(root, 'bin/lateindex.js'), ...args],
  'src via tsx': (args) => ['--import', 'tsx', path.join(root, 'bench/_cli-sources.ts'), ...args],
  ...(values.baseline && { baseline: (args: string[]) => [path.join(path.resolve(values.baseline!), 'bin/lateindex.js'), ...args] }),
};

const GNU_TIME = '/usr/bin/time';
const timed = existsSync(GNU_TIME);

/** Wall ms of `node args`, and its CPU ms when GNU time is there (it prints "user system" seconds last on stderr). */
function measure(args: string[]): { wall: number; cpu?: number } {
  const [file, argv] = timed ? [GNU_TIME, ['-f', '%U %S', process.execPath, ...args]] : [process.execPath, args];
  const started = performance.now();
  const result = spawnSync(file, argv, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  if (!timed) return { wall };
  const [user, system] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall, cpu: (user! + system!) * 1000 };
}

const samples = new Map<string, { wall: number; cpu?: number }[]>();
const record = (key: string, sample: { wall: number; cpu?: number }) => samples.set(key, [...(samples.get(key) ?? []), sample]);
const loadBefore = os.loadavg()[0]!;
for (let run = 0; run < runs; run++) {
  record('bare node\t-e 0', measure(['-e', '0']));
  for (const [name, argv] of Object.entries(commands)) {
    for (const [variant, command] of Object.entries(variants)) record(`${variant}\t${name}`, measure(command(argv)));
  }
}
const loadAfter = os.loadavg()[0]!;
rmSync(work, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = [...samples].map(([key, xs]) => {
  const [variant, command] = key.split('\t') as [string, string];
  const walls = xs.map((x) => x.wall);
  const cpus = xs.flatMap((x) => (x.cpu === undefined ? [] : [x.cpu]));
  return {
    variant,
    command,
    medianMs: Math.round(median(walls)),
    minMs: Math.round(Math.min(...walls)),
    ...(cpus.length > 0 && { cpuMedianMs: Math.round(median(cpus)) }),
  };
});
const byCommand = (variant: string, command: string) => rows.find((r) => r.variant === variant && r.command === command)?.medianMs;
console.log(JSON.stringify({ runs, cpus: os.cpus().length, loadAverage1m: { before: loadBefore, after: loadAfter }, rows }));
console.log(`\n${runs} runs each, interleaved; load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)} on ${os.cpus().length} cores\n`);
console.log('| command | variant | wall median ms | wall min ms | wall vs dist | CPU median ms |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  const dist = byCommand('dist (bin)', row.command);
  const ratio = dist && row.variant !== 'dist (bin)' ? `${(row.medianMs / dist).toFixed(1)}x` : '';
  console.log(`| \`${row.command}\` | ${row.variant} | ${row.medianMs} | ${row.minMs} | ${ratio} | ${row.cpuMedianMs ?? ''} |`);
}
