import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/index.js';
import { cli, SAMPLE, tempDir } from './helpers.js';

/** `n` distinct out-of-vocabulary words, each one token of the embedded encoder. */
function words(n: number, prefix: string): string {
  return Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36)}`).join(' ');
}

describe("the embedded encoder's document token cap", () => {
  it('index and add store long documents cut at 2048 tokens and name them in the summary; BM25 keeps the whole text', async () => {
    const root = tempDir();
    const corpus = path.join(root, 'corpus.jsonl');
    const sample = readFileSync(path.join(SAMPLE, 'corpus.jsonl'), 'utf8');
    writeFileSync(corpus, `${sample.trimEnd()}\n${JSON.stringify({ _id: 'long', title: 'Long', text: words(3000, 'qlk') })}\n`);
    const dir = path.join(root, 'idx');
    const built = await cli('index', '--corpus', corpus, '--index', dir, '--json', '--quiet');
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout).truncated).toEqual({ count: 1, limit: 2048, documents: [{ id: 'long', tokens: 3001 }] });
    expect(built.stderr).toContain(
      'warning: 1 document is longer than the encoder reads (2048 tokens): its vectors stand for the first 2048 tokens (BM25 indexes the whole text): "long" (3001 tokens)',
    );

    const index = await LateIndex.open(dir, { readOnly: true });
    expect(index.vectorCount(index.getInternalId('long')!)).toBe(2048);
    await index.close();
    // Its 2500th word is past the cap: no vector stands for it, the sparse postings still find it.
    const sparse = await cli('search', '--index', dir, '--mode', 'sparse', '--query', `qlk${(2500).toString(36)}`, '--json');
    expect(JSON.parse(sparse.stdout).hits.map((h: { id: string }) => h.id)).toEqual(['long']);

    // add: a second long document, and a short replacement of the first, which is no longer reported.
    const more = path.join(root, 'more.jsonl');
    writeFileSync(more, [{ _id: 'long', text: 'short glacier' }, { _id: 'longer', text: words(2049, 'qmn') }].map((r) => JSON.stringify(r)).join('\n'));
    const added = await cli('add', '--index', dir, '--corpus', more, '--json', '--quiet');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout).truncated).toEqual({ count: 1, limit: 2048, documents: [{ id: 'longer', tokens: 2049 }] });
    const plain = await cli('add', '--index', dir, '--corpus', more, '--quiet');
    expect(plain.stderr).toContain('warning: 1 document is longer than the encoder reads (2048 tokens)');
    const reopened = await LateIndex.open(dir, { readOnly: true });
    expect(reopened.vectorCount(reopened.getInternalId('longer')!)).toBe(2048);
    expect(reopened.vectorCount(reopened.getInternalId('long')!)).toBe(2);
    await reopened.close();
  });
});
