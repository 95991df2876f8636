/**
 * `npm run bench -- <suite> [args]`: runs one benchmark script from this folder (`bench/<suite>.ts`), or lists them.
 * Benchmarks report ratios measured in one run (ours vs a baseline) plus absolute figures as context; results and
 * the commands that produced them are recorded in BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const [suite, ...args] = process.argv.slice(2);
if (!suite || !suites.includes(suite)) {
  process.stderr.write(`usage: npm run bench -- <suite> [args]\nsuites: ${suites.join(', ')}\n`);
  process.exit(suite ? 2 : 0);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${suite}.ts`), ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
