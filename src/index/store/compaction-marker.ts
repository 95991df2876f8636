import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { LateIndexError } from '../../shared/index.js';
import { processAlive } from './store-holders.js';

/**
 * While `compact` replaces `store.mdb` by a compacted copy, `store.mdb.compacting` names its pid. Openers wait while
 * it is there (before opening the environment and again after, since the marker can appear in between): an
 * environment opened during the swap could map the old file, or the new one with the lock file of the old. A
 * marker whose process is gone is stale (the swap is atomic: the old file or the new one is in place) and removed.
 */
export const COMPACTION_MARKER_SUFFIX = '.compacting';
/** How long an open waits for a compaction's swap (a rename and a reopen; the copy itself runs before the marker). */
const WAIT_MS = 60_000;
const POLL_MS = 25;

export function compactionMarker(file: string): string {
  return `${file}${COMPACTION_MARKER_SUFFIX}`;
}

export function writeCompactionMarker(file: string): void {
  writeFileSync(compactionMarker(file), `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`);
}

export function removeCompactionMarker(file: string): void {
  rmSync(compactionMarker(file), { force: true });
}

/**
 * True when another live process is swapping `file` (its marker is there); a stale marker is removed. Nothing to
 * wait for when this process wrote it.
 */
export function compactionInProgress(file: string): boolean {
  const marker = compactionMarker(file);
  if (!existsSync(marker)) return false;
  let pid: unknown;
  try {
    pid = (JSON.parse(readFileSync(marker, 'utf8')) as { pid?: unknown }).pid;
  } catch {
    return existsSync(marker); // being written (its process is about to swap), or removed meanwhile
  }
  if (pid === process.pid) return false;
  if (typeof pid === 'number' && processAlive(pid)) return true;
  rmSync(marker, { force: true });
  return false;
}

/** Resolves once no other process is swapping `file` (at most `WAIT_MS`, then `index_locked`). */
export async function waitForCompaction(file: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (compactionInProgress(file)) {
    if (Date.now() > deadline) {
      throw new LateIndexError('index_locked', `${file}: another process has been compacting it for over ${WAIT_MS / 1000} s (${compactionMarker(file)}); retry when it is done`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
