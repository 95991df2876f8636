// A child process for tests that damage an index: `node --import tsx index-child.ts <dir> <write|read|verify>` opens
// the index (writable and upserts one document, read-only, or read-only with every tree page checked and verified)
// and reports an error as the CLI does: one line `error: <message> [<code>]`, exit 1.
import { LateIndex } from '../../src/index/late-index.js';
import { LateIndexError } from '../../src/shared/index.js';

const [dir, mode] = process.argv.slice(2) as [string, 'write' | 'read' | 'verify'];
try {
  const index = await LateIndex.open(dir, { readOnly: mode !== 'write', checkTrees: mode === 'verify' });
  if (mode === 'write') {
    const data = new Float32Array(index.dim);
    data[0] = 1;
    await index.upsert([{ id: 'child-write', vectors: { dim: index.dim, count: 1, data } }]);
  }
  if (mode === 'verify') index.verify();
  await index.close();
  process.exit(0);
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}${err instanceof LateIndexError ? ` [${err.code}]` : ''}\n`);
  process.exit(1);
}
