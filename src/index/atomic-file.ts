import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

let tempCounter = 0;

/** Unique temp file beside `path`, so the final rename stays on one filesystem (atomic). */
export function tempPathFor(path: string): string {
  tempCounter++;
  return `${path}.tmp-${process.pid}-${Date.now().toString(36)}-${tempCounter}`;
}

/** Writes `data` to `path` via a synced temp file + rename: readers see the old or the new file, never a torn one. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
