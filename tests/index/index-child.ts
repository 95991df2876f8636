// A child process for tests that damage or rewrite an index: `node --import tsx index-child.ts <dir> <mode>` opens the
// index (write: writable, upserting one document and searching for it; churn: writable, deleting every other
// document in one transaction and writing them back in another; read: read-only; verify: as `lateindex verify` does,
// then verified; hold: read-only, printing "open" and keeping it open until stdin closes), prints `{"origin": <graph
// origin>, "verify": <report>}` on stdout, and reports an error as the CLI does: one line `error: <message> [<code>]`
// on stderr, exit 1.
import { LateIndex } from '../../src/index/late-index.js';
import { LateIndexError } from '../../src/shared/index.js';

const [dir, mode] = process.argv.slice(2) as [string, 'write' | 'churn' | 'read' | 'verify' | 'hold'];
try {
  const verifying = mode === 'verify';
  const writing = mode === 'write' || mode === 'churn';
  const index = await LateIndex.open(dir, { readOnly: !writing, checkTrees: verifying, saveRebuiltGraph: !verifying });
  if (mode === 'hold') {
    process.stdout.write('open\n');
    await new Promise((resolve) => process.stdin.on('close', resolve).resume());
  }
  if (mode === 'churn') {
    const ids = [...index.liveInternalIds()].filter((_, i) => i % 2 === 0);
    const docs = ids.map((internalId) => ({ id: index.getDocument(internalId)!.id, vectors: index.readVectors(internalId)! }));
    await index.delete(docs.map((doc) => doc.id));
    await index.upsert(docs.map((doc) => ({ ...doc, vectors: { ...doc.vectors, data: Float32Array.from(doc.vectors.data) } })));
  }
  const layout = index.inspect().tokenVectors;
  const origin = layout.kind === 'distinct-vectors' ? layout.graphOrigin : layout.kind;
  if (mode === 'write') {
    const data = new Float32Array(index.dim);
    data[0] = 1;
    await index.upsert([{ id: 'child-write', vectors: { dim: index.dim, count: 1, data } }]);
    if (layout.kind === 'distinct-vectors' && index.searchHnswDocuments(data, 1)[0]?.internalId !== index.getInternalId('child-write')) {
      throw new Error('the new document is not its own nearest neighbour');
    }
  }
  const report = verifying ? index.verify() : undefined;
  await index.close();
  process.stdout.write(`${JSON.stringify({ origin, ...(report && { verify: report }) })}\n`);
  process.exit(0);
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}${err instanceof LateIndexError ? ` [${err.code}]` : ''}\n`);
  process.exit(1);
}
