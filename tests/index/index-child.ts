// A child process for tests that damage an index: `node --import tsx index-child.ts <dir> <write|read|verify>` opens
// the index (writable, upserting one document and searching for it; read-only; or as `lateindex verify` does, then
// verified), prints `{"origin": <graph origin>, "verify": <report>}` on stdout, and reports an error as the CLI does:
// one line `error: <message> [<code>]` on stderr, exit 1.
import { LateIndex } from '../../src/index/late-index.js';
import { LateIndexError } from '../../src/shared/index.js';

const [dir, mode] = process.argv.slice(2) as [string, 'write' | 'read' | 'verify'];
try {
  const verifying = mode === 'verify';
  const index = await LateIndex.open(dir, { readOnly: mode !== 'write', checkTrees: verifying, saveRebuiltGraph: !verifying });
  const origin = index.inspect().tokenVectors.graphOrigin;
  if (mode === 'write') {
    const data = new Float32Array(index.dim);
    data[0] = 1;
    await index.upsert([{ id: 'child-write', vectors: { dim: index.dim, count: 1, data } }]);
    const hit = index.searchHnswDocuments(data, 1)[0];
    if (hit?.internalId !== index.getInternalId('child-write')) throw new Error('the new document is not its own nearest neighbour');
  }
  const report = verifying ? index.verify() : undefined;
  await index.close();
  process.stdout.write(`${JSON.stringify({ origin, ...(report && { verify: report }) })}\n`);
  process.exit(0);
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}${err instanceof LateIndexError ? ` [${err.code}]` : ''}\n`);
  process.exit(1);
}
