import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { run } from '../child-process.js';

export const ROOT = path.resolve(__dirname, '../..');
export const SAMPLE = path.join(ROOT, 'data/sample');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, capturing what it writes to stdout and stderr. */
export async function cli(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runCli(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Runs the real executable in a child process (exit codes, no stack traces). */
export function cliProcess(...argv: string[]): Promise<CliResult> {
  return binProcess(argv);
}

export interface BinOptions {
  /** Another checkout's bin (default: this one's). */
  readonly bin?: string;
  readonly nodeArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `node [nodeArgs] bin/lateindex.js argv` in a child process. */
export async function binProcess(argv: readonly string[], options: BinOptions = {}): Promise<CliResult> {
  const args = [...(options.nodeArgs ?? []), options.bin ?? path.join(ROOT, 'bin/lateindex.js'), ...argv];
  return { ...(await run(process.execPath, args, { cwd: ROOT, ...(options.env && { env: options.env }) })) };
}

const created: string[] = [];
// Registered in every test file that imports this module: its temp dirs go when the file is done.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'lateindex-cli-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}
