import { readFileSync, statSync } from 'node:fs';
import type { RootDatabase } from 'lmdb';

/**
 * Which other processes have an LMDB environment open. LMDB takes a shared POSIX lock on the first byte of its
 * lock file in `mdb_env_open` and keeps it until the environment is closed, so on Linux `/proc/locks` names every
 * process that has the environment open, including one still opening it. Elsewhere, LMDB's reader table is the
 * fallback: it lists processes that have read (every open reads the bookkeeping), after dead ones are cleared.
 */
export function otherStoreHolders(lockFile: string, env: RootDatabase): number[] {
  return lockHolders(lockFile) ?? readerPids(env);
}

/** Pids other than this one holding a POSIX lock on `lockFile`, or undefined when `/proc/locks` cannot be read. */
export function lockHolders(lockFile: string): number[] | undefined {
  let locks: string;
  try {
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  const { ino } = statSync(lockFile);
  const pids = new Set<number>();
  // "1: POSIX  ADVISORY  READ 13871 fe:00:2196875 0 0" (waiters show "->" before POSIX).
  for (const line of locks.split('\n')) {
    const match = /^\d+:\s+(?:->\s+)?POSIX\s+\S+\s+\S+\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/.exec(line);
    if (match && Number(match[2]) === ino) pids.add(Number(match[1]));
  }
  pids.delete(process.pid);
  return [...pids].sort((a, b) => a - b);
}

function readerPids(env: RootDatabase): number[] {
  env.readerCheck();
  const pids = new Set<number>();
  for (const line of env.readerList().split('\n')) {
    const match = /^\s*(\d+)\s+[0-9a-f]+\s/.exec(line);
    if (match) pids.add(Number(match[1]));
  }
  pids.delete(process.pid);
  return [...pids].sort((a, b) => a - b);
}

/** Whether a process with this pid exists (one of another user counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
