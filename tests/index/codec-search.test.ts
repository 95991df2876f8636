import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticEncoder } from '../../src/encode/index.js';
import { IndexBuilder, LateIndex, readCorpus, type QuantizationName } from '../../src/index/index.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import { Retriever } from '../../src/search/index.js';
import type { DocumentRecord } from '../../src/shared/index.js';
import { tempDir } from './helpers.js';

const SAMPLE = path.resolve(__dirname, '../../data/sample');

/** Query texts of the sample dataset (queries.jsonl: one {"_id", "text"} per line). */
async function sampleQueries(): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(path.join(SAMPLE, 'queries.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { text: string }).text);
}

describe('search over codecs (real text, embedded static encoder)', () => {
  let encoder: StaticEncoder;
  const dirs: { cleanup: () => void }[] = [];
  const indexes = new Map<string, LateIndex>();
  let queries: string[];

  beforeAll(async () => {
    encoder = await StaticEncoder.load();
    const records: DocumentRecord[] = [];
    for await (const record of readCorpus(path.join(SAMPLE, 'corpus.jsonl'))) records.push(record);
    queries = await sampleQueries();
    for (const codec of ['float32', 'float16', 'residual:2']) {
      const t = tempDir();
      dirs.push(t);
      const index = await LateIndex.create(t.dir, { encoder: encoder.identity, quantization: codec as QuantizationName, sparse: { mode: 'none' } });
      const builder = new IndexBuilder(index, encoder, parseReductionSpec('none'));
      await builder.addBatch(records);
      await builder.finish();
      indexes.set(codec, index);
    }
  }, 60_000);

  afterAll(async () => {
    for (const index of indexes.values()) await index.close();
    for (const d of dirs) d.cleanup();
    await encoder?.close();
  });

  async function topIds(codec: string, text: string, exhaustive: boolean): Promise<string[]> {
    const hits = await new Retriever(indexes.get(codec)!, encoder).search(text, { k: 10, exhaustive });
    return hits.map((h) => h.id);
  }

  it('float32 and float16 indexes return the same top-10 documents for every sample query', async () => {
    expect(queries.length).toBe(10);
    for (const text of queries) {
      for (const exhaustive of [false, true]) {
        const a = await topIds('float32', text, exhaustive);
        const b = await topIds('float16', text, exhaustive);
        expect(a.length).toBe(10);
        expect([...b].sort()).toEqual([...a].sort());
        expect(b[0]).toBe(a[0]);
      }
    }
  });

  it('a residual:2 index built through IndexBuilder answers the same queries (trained, searchable)', async () => {
    const index = indexes.get('residual:2')!;
    expect(index.codec.drift()!.training.sampleVectors).toBe(index.counts().vectors);
    for (const text of queries) expect((await topIds('residual:2', text, true)).length).toBe(10);
  });
});
