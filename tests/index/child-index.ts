import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs node with `args` asynchronously (a synchronous spawn would stall vitest's worker for as long). */
export function runNode(args: readonly string[]): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** Opens `dir` in a child process (see index-child.ts), so that a signal fails the test instead of killing vitest. */
export function openInChild(dir: string, mode: 'write' | 'churn' | 'read' | 'verify'): Promise<ChildResult> {
  return runNode(['--import', 'tsx', join(repoRoot, 'tests/index/index-child.ts'), dir, mode]);
}
