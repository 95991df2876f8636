import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { open as openLmdb } from 'lmdb';
import { STORE_FILE } from './store-schema.js';

/**
 * Rewrites the LMDB file of a closed index that no other process has open (a build's staging directory) as a
 * compacted copy: free pages dropped, pages renumbered in key order. The copy is renamed over the original, so a
 * crash leaves one complete file or the other.
 */
export async function compactStoreFile(dir: string): Promise<{ before: number; after: number }> {
  const file = join(dir, STORE_FILE);
  const copy = `${file}.compact`;
  const before = (await fs.stat(file)).size;
  await fs.rm(copy, { force: true });
  const env = openLmdb({ path: file, maxDbs: 32 });
  try {
    await env.backup(copy, true);
  } finally {
    await env.close();
  }
  await fs.rename(copy, file);
  return { before, after: (await fs.stat(file)).size };
}
