import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE, cli, tempDir } from './helpers.js';

/** A BEIR folder in a temp dir. */
function dataset(corpus: object[], queries: object[], qrels: [string, string, number][]): string {
  const dir = tempDir('lateindex-dataset-');
  mkdirSync(path.join(dir, 'qrels'));
  writeFileSync(path.join(dir, 'corpus.jsonl'), corpus.map((r) => JSON.stringify(r)).join('\n'));
  writeFileSync(path.join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(path.join(dir, 'qrels/test.tsv'), ['query-id\tcorpus-id\tscore', ...qrels.map((r) => r.join('\t'))].join('\n'));
  return dir;
}

describe('eval scores exactly as trec_eval scores the run it writes', () => {
  it('breaks exact score ties by document id descending, worked by hand', async () => {
    // d1, d10 and d2 are the same text: they tie in every mode. trec_eval ranks them d2, d10, d1 ("d2" > "d10" > "d1").
    const twin = 'armadillo shell armour plates';
    const dir = dataset(
      [
        { _id: 'd1', text: twin },
        { _id: 'd10', text: twin },
        { _id: 'd2', text: twin },
        { _id: 'other', text: 'bread dough rises with yeast' },
        { _id: 'more', text: 'glaciers carve valleys' },
      ],
      [{ _id: 'q', text: 'armadillo shell' }],
      [
        ['q', 'd2', 1],
        ['q', 'd10', 2],
      ],
    );
    const index = path.join(dir, 'idx');
    expect((await cli('index', '--dataset', dir, '--index', index, '--quiet')).code).toBe(0);
    // nDCG@10 = (1/log2(2) + 2/log2(3)) / (2/log2(2) + 1/log2(3)); ordered by id ascending it would be 0.669672.
    const expected = (1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3));
    expect(expected).toBeCloseTo(0.859719, 6);
    for (const mode of ['late', 'sparse', 'hybrid']) {
      const run = path.join(dir, `run.${mode}.trec`);
      const result = await cli('eval', '--dataset', dir, '--index', index, '--mode', mode, '--run', run, '--json');
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { metrics: Record<string, number> };
      expect(report.metrics['nDCG@10'], mode).toBeCloseTo(expected, 12);
      expect(report.metrics['RR@10'], mode).toBe(1);
      const lines = readFileSync(run, 'utf8').trim().split('\n').map((l) => l.split(' '));
      expect(lines.slice(0, 3).map((f) => [f[2], f[3]]), mode).toEqual([
        ['d2', '1'],
        ['d10', '2'],
        ['d1', '3'],
      ]);
      expect(new Set(lines.slice(0, 3).map((f) => f[4])).size, mode).toBe(1);
    }
  });
});

describe('eval of an index that lacks the judged documents', () => {
  it('refuses an index holding none of them, and warns when some are missing', async () => {
    const sample = path.join(tempDir(), 'sample');
    expect((await cli('index', '--corpus', SAMPLE, '--index', sample, '--quiet')).code).toBe(0);
    const foreign = dataset(
      [{ _id: 'x1', text: 'unrelated' }],
      [{ _id: 'q', text: 'glaciers' }],
      [
        ['q', 'x1', 1],
        ['q', 'x2', 1],
      ],
    );
    const refused = await cli('eval', '--dataset', foreign, '--index', sample, '--json');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/qrels\/test\.tsv: the index holds none of the 2 documents judged relevant \(e\.g\. "x1", "x2"\): was it built from this dataset's corpus\? \[judged_documents_missing\]/);

    const partial = dataset(
      [{ _id: 'glacier-flow', text: 'x' }],
      [{ _id: 'q', text: 'why do glaciers slide over bedrock' }],
      [
        ['q', 'glacier-flow', 2],
        ['q', 'not-indexed', 1],
      ],
    );
    const warned = await cli('eval', '--dataset', partial, '--index', sample, '--json');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^warning: 1 of 2 relevant judgments in .*qrels\/test\.tsv name documents the index does not hold \(e\.g\. "not-indexed"\); they count as never retrieved\n$/);
    expect((JSON.parse(warned.stdout) as { metrics: Record<string, number> }).metrics['R@100']).toBe(0.5);
  });
});
