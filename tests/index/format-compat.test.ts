import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOk } from '../child-process.js';
import { LateIndex } from '../../src/index/index.js';
import { observe } from '../fixtures/format-v2/observe.js';
import { makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/format-v2');
const { cleanups, newDir } = useCleanups();

/** Unpacks a fixture index built by an earlier lateindex (tests/fixtures/format-v2/build.sh) into a temp dir. */
async function unpack(name: string): Promise<string> {
  const dir = path.dirname(newDir());
  await runOk('tar', ['-xzf', path.join(FIXTURES, `${name}.tar.gz`), '-C', dir]);
  return path.join(dir, name);
}

describe('indexes written by the format-2 lateindex that built the fixtures', () => {
  for (const name of ['text', 'precomputed']) {
    it(`${name}: opens, verifies, reads and searches exactly as the version that wrote it did, and stays sound under writes`, async () => {
      const dir = await unpack(name);
      const expected = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as unknown;
      expect(await observe(dir)).toEqual(expected);

      const index = await LateIndex.open(dir);
      cleanups.push(() => index.close());
      // The saved graph of the older version loads as it is.
      expect(index.verify().warnings).toEqual([]);
      expect(index.inspect().distinct().graphOrigin).toBe('loaded');
      const dim = index.dim;
      const random = rng(5);
      const [first, second] = [...index.liveInternalIds()].map((id) => index.getDocument(id)!.id);
      const sparse = index.manifest.sparse?.mode === 'learned' ? { sparse: { weights: { t1: 1.5, t9: 0.25 } } } : {};
      await index.upsert([makeDoc(first!, randomUnitRows(random, 3, dim), dim, sparse), makeDoc('added', randomUnitRows(random, 2, dim), dim, sparse)]);
      await index.delete([second!]);
      expect(index.verify().problems).toEqual([]);
      await index.close();
      const reopened = await LateIndex.open(dir, { readOnly: true });
      cleanups.push(() => reopened.close());
      expect(reopened.verify().problems).toEqual([]);
      expect(reopened.counts().documents).toBe((expected as { counts: { documents: number } }).counts.documents);
    });
  }
});
