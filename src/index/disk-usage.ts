import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Total size of the files in an index directory (LMDB maps may be sparse; this counts allocated bytes). */
export async function indexDiskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const stat = await fs.stat(path.join(entry.parentPath, entry.name));
    total += Math.min(stat.size, stat.blocks * 512);
  }
  return total;
}
