import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeHashedVector } from '../../src/encode/static/hashed-vector.js';
import { WORD_STOPWORDS } from '../../src/shared/stopwords.js';
import { STATIC_DOCUMENT_TOKENS, StaticEncoder, staticEncoderHash } from '../../src/encode/static/static-encoder.js';
import { winkTableSource } from '../../src/encode/static/table-cache.js';

// The cached table is built by tests/global-setup.ts; loading it here must not convert again.
let encoder: StaticEncoder;
beforeAll(async () => {
  encoder = await StaticEncoder.load({ onConvert: (reason) => process.stderr.write(`converting: ${reason}\n`) });
});

/** Reads `length` bytes at `offset` of the package JSON and parses every complete `"word":[...]` entry in it. */
function sampleJsonVectors(offset: number, length: number): Map<string, number[]> {
  const { jsonPath } = winkTableSource();
  const fd = openSync(jsonPath, 'r');
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, offset);
  closeSync(fd);
  const text = buf.toString('utf8');
  const out = new Map<string, number[]>();
  for (const m of text.matchAll(/,"((?:[^"\\]|\\.)+)":\[(-?[\d.][^\]]*)\]/g)) {
    out.set(JSON.parse(`"${m[1]}"`) as string, m[2]!.split(',').map(Number));
  }
  return out;
}

function unitPrefix(values: readonly number[], dim: number): number[] {
  const v = values.slice(0, dim);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function rowNorm(data: Float32Array, dim: number, row: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += data[row * dim + j]! ** 2;
  return Math.sqrt(s);
}

function dotRows(a: Float32Array, ra: number, b: Float32Array, rb: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[ra * dim + j]! * b[rb * dim + j]!;
  return s;
}

describe('converted wink table', () => {
  it('holds every word of the package JSON', () => {
    const { jsonPath } = winkTableSource();
    const fd = openSync(jsonPath, 'r');
    const buf = Buffer.alloc(256);
    readSync(fd, buf, 0, 256, 0);
    closeSync(fd);
    const size = Number(/"size":(\d+)/.exec(buf.toString('latin1'))![1]);
    const dims = Number(/"dimensions":(\d+)/.exec(buf.toString('latin1'))![1]);
    expect(encoder.table.size).toBe(size);
    expect(encoder.table.dim).toBe(dims);
    expect(encoder.identity.dim).toBe(dims);
  });

  it('equals the JSON vectors (normalised) within float16 tolerance, at the start, middle and end', () => {
    const size = statSync(winkTableSource().jsonPath).size;
    const samples = new Map<string, number[]>();
    for (const offset of [4_000_000, Math.floor(size / 2), size - 400_000]) {
      let taken = 0;
      for (const [word, values] of sampleJsonVectors(offset, 300_000)) {
        if (taken++ % 7 === 0) samples.set(word, values);
      }
    }
    expect(samples.size).toBeGreaterThan(100);
    const row = new Float32Array(encoder.table.dim);
    let worst = 0;
    for (const [word, values] of samples) {
      expect(values).toHaveLength(encoder.table.dim + 2);
      const r = encoder.table.rowOf(word);
      expect(r, word).toBeGreaterThanOrEqual(0);
      // The JSON's trailing entry is the word's row index (wordIndex); rows keep the JSON order.
      expect(r, word).toBe(values[encoder.table.dim + 1]);
      encoder.table.copyRow(r, row, 0);
      unitPrefix(values, encoder.table.dim).forEach((x, j) => {
        worst = Math.max(worst, Math.abs(row[j]! - x));
      });
    }
    // float16 has an 11-bit significand: |error| <= 2^-11 * |x| <= 2^-11 for unit-vector components.
    expect(worst).toBeLessThanOrEqual(2 ** -11);
  });
});

describe('StaticEncoder', () => {
  it('has the documented identity and query contract', () => {
    expect(encoder.identity.kind).toBe('static');
    expect(encoder.identity.name).toBe('wink-sg-100d');
    expect(encoder.identity.dim).toBe(100);
    expect(encoder.identity.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(encoder.queryWeighting).toBe('idf');
    expect(encoder.protectedLeadingTokens).toBe(0);
  });

  it('has an identity hash that is stable across loads and changes with the table or the tokenizer', async () => {
    const again = await StaticEncoder.load();
    expect(again.identity).toEqual(encoder.identity);
    expect(staticEncoderHash(encoder.table.contentHash, WORD_STOPWORDS)).toBe(encoder.identity.hash);
    const otherTable = `${encoder.table.contentHash.slice(0, -1)}${encoder.table.contentHash.endsWith('0') ? '1' : '0'}`;
    expect(staticEncoderHash(otherTable, WORD_STOPWORDS)).not.toBe(encoder.identity.hash);
    const fewerStopwords = new Set([...WORD_STOPWORDS].filter((w) => w !== 'the'));
    expect(staticEncoderHash(encoder.table.contentHash, fewerStopwords)).not.toBe(encoder.identity.hash);
    expect(new StaticEncoder(encoder.table, fewerStopwords).identity.hash).not.toBe(encoder.identity.hash);
  });

  it('gives one unit row per kept token, table rows for known words and hashed rows for unknown ones', () => {
    const text = 'The p53 protein binds DNA; BRCA1-associated RING domain (xq27zz) at 3.5 mg.';
    const mv = encoder.encode(text);
    expect(mv.tokens).toEqual(encoder.tokenize(text));
    expect(mv.tokens).toEqual(['p53', 'protein', 'binds', 'dna', 'brca1', 'associated', 'ring', 'domain', 'xq27zz', '3.5', 'mg']);
    expect(mv.count).toBe(mv.tokens!.length);
    expect(mv.data.length).toBe(mv.count * 100);
    const expected = new Float32Array(100);
    for (let i = 0; i < mv.count; i++) {
      expect(rowNorm(mv.data, 100, i)).toBeCloseTo(1, 5);
      const word = mv.tokens![i]!;
      const r = encoder.table.rowOf(word);
      if (r >= 0) encoder.table.copyRow(r, expected, 0);
      else writeHashedVector(word, 100, expected, 0);
      // Same direction as the reference row (renormalisation only rescales float16 rounding).
      expect(dotRows(mv.data, i, expected, 0, 100) / rowNorm(expected, 100, 0)).toBeCloseTo(1, 5);
    }
    expect(encoder.table.rowOf('xq27zz')).toBe(-1);
    expect(encoder.table.rowOf('3.5')).toBe(-1);
  });

  it('encodes queries and documents identically, and empty or stopword-only text as zero rows', async () => {
    const texts = ['Vitamin D deficiency and bone fractures', 'of the and', ''];
    const [docs, queries] = [await encoder.encodeDocuments(texts), await encoder.encodeQueries(texts)];
    expect(queries.map((q) => Array.from(q.data))).toEqual(docs.map((d) => Array.from(d.data)));
    expect(queries.map((q) => q.tokens)).toEqual(docs.map((d) => d.tokens));
    expect(docs[0]!.tokens).toEqual(['vitamin', 'd', 'deficiency', 'bone', 'fractures']);
    expect(docs[1]!.count).toBe(0);
    expect(docs[2]!.count).toBe(0);
    expect(docs[2]!.dim).toBe(100);
  });

  it('keeps exact matches of rare terms at similarity 1 and related words closer than unrelated ones', () => {
    const query = encoder.encode('zx81q7 insulin');
    const doc = encoder.encode('Patients received insulin; marker ZX81Q7 rose.');
    const maxSim = (qi: number) => {
      let best = -1;
      for (let d = 0; d < doc.count; d++) best = Math.max(best, dotRows(query.data, qi, doc.data, d, 100));
      return best;
    };
    expect(maxSim(0)).toBeCloseTo(1, 5);
    expect(maxSim(1)).toBeCloseTo(1, 5);
    const [cancer, tumor, guitar] = encoder.encode('cancer tumor guitar').data.reduce<Float32Array[]>(
      (rows, _, i, data) => (i % 100 === 0 ? [...rows, data.subarray(i, i + 100)] : rows),
      [],
    );
    expect(dotRows(cancer!, 0, tumor!, 0, 100)).toBeGreaterThan(dotRows(cancer!, 0, guitar!, 0, 100) + 0.3);
  });
});

describe('the document token cap', () => {
  /** `n` distinct out-of-vocabulary words, each one kept token. */
  const words = (n: number): string => Array.from({ length: n }, (_, i) => `zqx${i.toString(36)}`).join(' ');

  it('keeps the first STATIC_DOCUMENT_TOKENS words of a document and says how many it had; queries are not cut', async () => {
    expect(STATIC_DOCUMENT_TOKENS).toBe(2048);
    expect(encoder.documentTokenLimit).toBe(2048);
    const text = words(2100);
    const [cut, exact] = await encoder.encodeDocuments([text, words(2048)]);
    expect(cut!.count).toBe(2048);
    expect(cut!.truncatedFrom).toBe(2100);
    expect(cut!.tokens).toEqual(encoder.tokenize(text).slice(0, 2048));
    expect(cut!.data).toEqual(encoder.encode(text).data.subarray(0, 2048 * encoder.table.dim));
    expect(exact!.count).toBe(2048);
    expect(exact!.truncatedFrom).toBeUndefined();
    const [query] = await encoder.encodeQueries([text]);
    expect(query!.count).toBe(2100);
    // Token spans describe exactly the rows a document keeps.
    const spans = encoder.documentTokenSpans(text)!;
    expect(spans.tokens).toEqual(cut!.tokens);
    expect(spans.spans.length).toBe(2 * 2048);
    expect(text.slice(spans.spans[2 * 2047]!, spans.spans[2 * 2047 + 1]!)).toBe(`zqx${(2047).toString(36)}`);
  });

  it('takes another cap from its options', async () => {
    const small = new StaticEncoder(encoder.table, WORD_STOPWORDS, 3);
    const [doc] = await small.encodeDocuments(['alpha beta gamma delta epsilon']);
    expect(doc!.tokens).toEqual(['alpha', 'beta', 'gamma']);
    expect(doc!.truncatedFrom).toBe(5);
    expect(small.identity).toEqual(encoder.identity);
    expect(() => new StaticEncoder(encoder.table, WORD_STOPWORDS, 0)).toThrow(RangeError);
  });
});
