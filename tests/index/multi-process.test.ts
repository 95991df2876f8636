import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runOk } from '../child-process.js';
import { LateIndex } from '../../src/index/late-index.js';
import { encoderIdentity, makeDoc, randomUnitRows, rng, tempDir } from './helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIM = 16;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function unit(i: number): Float32Array {
  const v = new Float32Array(DIM);
  v[i] = 1;
  return v;
}

/** Runs `body` in a separate Node process with `index` opened on `dir` (ESM, via tsx). */
async function inChildProcess(dir: string, body: string): Promise<void> {
  const script = join(dirname(dir), `child-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(
    script,
    `import { LateIndex } from ${JSON.stringify(join(repoRoot, 'src/index/late-index.ts'))};
const dim = ${DIM};
const unit = (i) => { const data = new Float32Array(dim); data[i] = 1; return { dim, count: 1, data }; };
const index = await LateIndex.open(${JSON.stringify(dir)});
${body}
`,
  );
  await runOk(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot });
}

describe('writes from another process', () => {
  it('refresh() and later writes pick up what another process committed', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const random = rng(41);
    const rows = Array.from({ length: 20 }, () => randomUnitRows(random, 2, DIM));
    const index = await LateIndex.create(t.dir, { encoder: encoderIdentity(DIM) });
    cleanups.push(() => index.close());
    await index.upsert(rows.map((r, i) => makeDoc(`doc${i}`, r, DIM, { terms: ['shared'] })));
    await index.flush();
    expect(await index.refresh()).toBe(false);

    // The other process dies without flushing: its retired labels are still in the log (catch-up path).
    await inChildProcess(
      t.dir,
      `await index.upsert([0, 1, 2].map((i) => ({ id: 'child' + i, vectors: unit(i), terms: ['shared'] })));
await index.upsert([{ id: 'doc1', vectors: unit(10) }]);
await index.delete(['doc2']);
process.exit(0);`,
    );
    expect(await index.refresh()).toBe(true);
    expect(index.counts()).toMatchObject({ documents: 20 + 3 - 1, vectors: 40 - 4 + 3 + 1 });
    expect(index.documentFrequency('shared')).toBe(21);
    for (let i = 0; i < 3; i++) expect(index.inspect().distinct().nearestOwners(unit(i), 1, 64)[0]!.internalId).toBe(index.getInternalId(`child${i}`));
    expect(index.inspect().distinct().nearestOwners(unit(10), 1, 64)[0]!.internalId).toBe(index.getInternalId('doc1'));
    expect(index.inspect().distinct().nearestOwners(rows[2]!.subarray(0, DIM), 40, 64).map((h) => h.internalId)).not.toContain(2);
    expect(index.verify().problems).toEqual([]);

    // The other process closes (flush prunes the log): our next write notices and rebuilds instead.
    await inChildProcess(t.dir, `await index.upsert([{ id: 'child5', vectors: unit(5) }]);\nawait index.close();`);
    expect(await index.upsert([makeDoc('parent0', unit(6), DIM)])).toEqual({ inserted: 1, updated: 0 });
    expect(index.counts()).toMatchObject({ documents: 24, vectors: 42 });
    expect(index.getInternalId('child5')).toBe(23);
    expect(index.getInternalId('parent0')).toBe(24);
    expect(index.inspect().distinct().nearestOwners(unit(5), 1, 64)[0]!.internalId).toBe(23);
    expect(index.inspect().distinct().nearestOwners(unit(6), 1, 64)[0]!.internalId).toBe(24);
    expect(index.verify().problems).toEqual([]);
    await index.close();

    const reopened = await LateIndex.open(t.dir);
    cleanups.push(() => reopened.close());
    expect(reopened.inspect().distinct().graphOrigin).toBe('loaded');
    expect(reopened.verify().problems).toEqual([]);
  });
});
