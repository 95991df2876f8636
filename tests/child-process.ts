import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** The exit code, -1 when a signal ended the child. */
  readonly code: number;
  /** The signal that ended the child, only when one did (SIGSEGV, SIGBUS, SIGABRT, ...). */
  readonly signal?: NodeJS.Signals;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/**
 * Runs a command and collects its output without blocking the event loop. Tests never use spawnSync/execFileSync:
 * a synchronous spawn stalls the vitest worker for as long as the child runs, and past a minute (a loaded machine)
 * its RPC to the runner fails with "Timeout calling onTaskUpdate".
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? -1, ...(signal && { signal }), stdout, stderr }));
  });
}

/** `run` that rejects, with the child's stderr, unless it exits 0 (as execFileSync throws). */
export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}
