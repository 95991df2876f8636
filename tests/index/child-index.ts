import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type ProcessResult } from '../child-process.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs node with `args` in the repository (asynchronously, see tests/child-process.ts). */
export function runNode(args: readonly string[]): Promise<ProcessResult> {
  return run(process.execPath, args, { cwd: repoRoot });
}

/** Opens `dir` in a child process (see index-child.ts), so that a signal fails the test instead of killing vitest. */
export function openInChild(dir: string, mode: 'write' | 'churn' | 'read' | 'verify'): Promise<ProcessResult> {
  return runNode(['--import', 'tsx', join(repoRoot, 'tests/index/index-child.ts'), dir, mode]);
}
