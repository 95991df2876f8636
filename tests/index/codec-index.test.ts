import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrecomputedEncoder } from '../../src/encode/index.js';
import {
  IndexBuilder,
  LateIndex,
  RESIDUAL_SAMPLE_VECTORS,
  RETRAIN_ERROR_RATIO,
  ResidualCodec,
  driftBetween,
  parseCodecName,
  driftReport,
  readManifest,
  type PreparedDocument,
  type QuantizationName,
} from '../../src/index/index.js';
import { parseSweepGrid } from '../../src/eval/sweep/sweep-config.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import { IndexFormatError, LateIndexError, UsageError, mulberry32, multiVector, normalizeRows } from '../../src/shared/index.js';
import { dot, encoderIdentity, makeDoc, randomUnitRows, rng, useCleanups } from './helpers.js';

const DIM = 32;
const ROWS_PER_DOC = 10;
const { cleanups, newDir } = useCleanups();

/** Unit rows near one of `topics` (fixed random centres): the clustered data a residual codebook is meant for. */
function clusteredRows(random: () => number, topics: Float32Array, count: number): Float32Array {
  const topicCount = topics.length / DIM;
  const noise = randomUnitRows(random, count, DIM);
  const out = new Float32Array(count * DIM);
  for (let r = 0; r < count; r++) {
    const t = Math.floor(random() * topicCount);
    for (let j = 0; j < DIM; j++) out[r * DIM + j] = topics[t * DIM + j]! + 0.35 * noise[r * DIM + j]!;
  }
  return normalizeRows(out, DIM);
}

const topics = randomUnitRows(rng(5), 16, DIM);

function clusteredDocs(prefix: string, count: number, seed: number): PreparedDocument[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => makeDoc(`${prefix}${i}`, clusteredRows(random, topics, ROWS_PER_DOC), DIM));
}

function isotropicDocs(prefix: string, count: number, seed: number): PreparedDocument[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, i) => makeDoc(`${prefix}${i}`, randomUnitRows(random, ROWS_PER_DOC, DIM), DIM));
}

function concatRows(docs: readonly PreparedDocument[]): Float32Array {
  const out = new Float32Array(docs.reduce((n, d) => n + d.vectors.data.length, 0));
  let at = 0;
  for (const doc of docs) {
    out.set(doc.vectors.data, at);
    at += doc.vectors.data.length;
  }
  return out;
}

async function createIndex(quantization: string): Promise<LateIndex> {
  const index = await LateIndex.create(newDir(), {
    encoder: encoderIdentity(DIM),
    quantization: quantization as QuantizationName,
    sparse: { mode: 'none' },
  });
  cleanups.push(() => index.close());
  return index;
}

/** Brute-force MaxSim of `query` rows against every live document's stored rows; the best document's id. */
function bestByMaxSim(index: LateIndex, query: Float32Array): string {
  let best = '';
  let bestScore = -Infinity;
  for (const id of index.liveInternalIds()) {
    const doc = index.readVectors(id)!;
    let score = 0;
    for (let q = 0; q < query.length / DIM; q++) {
      let max = -Infinity;
      for (let r = 0; r < doc.count; r++) max = Math.max(max, dot(query, q * DIM, doc.data, r * DIM, DIM));
      score += max;
    }
    if (score > bestScore) {
      bestScore = score;
      best = index.getDocument(id)!.id;
    }
  }
  return best;
}

describe('codecs in an index', () => {
  it('a residual index trains on its first write, keeps the codebook in LMDB, and decodes identically after reopen', async () => {
    const dir = newDir();
    const docs = clusteredDocs('d', 40, 1);
    const index = await LateIndex.create(dir, { encoder: encoderIdentity(DIM), quantization: 'residual:2' as QuantizationName, sparse: { mode: 'none' } });
    expect(index.codec.needsTraining).toBe(true);
    await index.upsert(docs);
    expect(index.codec.needsTraining).toBe(false);
    // Independent reference: a codec trained on the same rows (the batch in order) encodes and decodes each document.
    const reference = new ResidualCodec(2);
    reference.train(concatRows(docs), DIM);
    const expected = docs.map((d) => reference.decode(reference.encode(d.vectors.data, DIM), ROWS_PER_DOC, DIM, new Float32Array(ROWS_PER_DOC * DIM)));
    const read = (ix: LateIndex): Float32Array[] => docs.map((d) => Float32Array.from(ix.readVectors(ix.getInternalId(d.id)!)!.data));
    expect(read(index)).toEqual(expected);
    expect(index.counts().vectorBytes).toBe(40 * ROWS_PER_DOC * reference.bytesPerVector(DIM));
    expect(index.codec.stateBytes()).toBe(reference.state().length);
    expect(index.verify().ok).toBe(true);
    await index.close();

    expect(readManifest(dir).quantization).toBe('residual:2');
    for (const readOnly of [true, false]) {
      const reopened = await LateIndex.open(dir, { readOnly });
      expect(read(reopened)).toEqual(expected);
      expect(reopened.codec.drift()!.training).toEqual(reference.training());
      expect(reopened.verify().ok).toBe(true);
      await reopened.close();
    }
  });

  it('later adds reuse the codebook, and the new documents are found by MaxSim and by HNSW candidates', async () => {
    const index = await createIndex('residual:4');
    await index.upsert(clusteredDocs('first', 40, 2));
    const training = index.codec.drift()!.training;
    const stateBytes = index.codec.stateBytes();
    const added = clusteredDocs('later', 10, 3);
    await index.upsert(added);
    expect(index.codec.drift()!.training).toEqual(training);
    expect(index.codec.stateBytes()).toBe(stateBytes);
    expect(index.counts().documents).toBe(50);
    for (const doc of added) {
      expect(bestByMaxSim(index, doc.vectors.data)).toBe(doc.id);
      const own = index.getInternalId(doc.id)!;
      const hits = index.searchHnswDocuments(index.readVectors(own)!.data.slice(0, DIM), 1, 200);
      expect(hits[0]!.internalId).toBe(own);
    }
    expect(index.verify().ok).toBe(true);
  });

  it('drift: same-distribution additions stay under the retrain threshold, off-distribution ones exceed it', async () => {
    const index = await createIndex('residual:2');
    await index.upsert(clusteredDocs('train', 60, 4));
    const training = index.codec.drift()!.training;

    const before = index.codec.driftSums();
    await index.upsert(clusteredDocs('same', 40, 5));
    const same = driftReport(training, driftBetween(before, index.codec.driftSums()));
    expect(same.added.vectors).toBe(400);
    expect(same.errorRatio).toBeLessThan(RETRAIN_ERROR_RATIO);
    expect(same.retrainAdvised).toBe(false);

    const middle = index.codec.driftSums();
    await index.upsert(isotropicDocs('other', 40, 6));
    const other = driftReport(training, driftBetween(middle, index.codec.driftSums()));
    expect(other.added.vectors).toBe(400);
    expect(other.errorRatio).toBeGreaterThan(RETRAIN_ERROR_RATIO);
    expect(other.retrainAdvised).toBe(true);
    expect(other.added.meanCosine).toBeLessThan(same.added.meanCosine);
    // The running figure over everything stored moved up as well.
    expect(index.codec.drift()!.added.meanSquaredError).toBeGreaterThan(driftReport(training, middle).added.meanSquaredError);
  });

  it('refuses to retrain once vectors are stored, and has nothing to train for stateless codecs', async () => {
    const residual = await createIndex('residual:1');
    await residual.upsert(clusteredDocs('d', 5, 7));
    expect(() => residual.codec.train(concatRows(clusteredDocs('x', 5, 8)))).toThrow(expect.objectContaining({ code: 'codec_in_use' }));
    const plain = await createIndex('int8');
    expect(plain.codec.needsTraining).toBe(false);
    expect(() => plain.codec.train(new Float32Array(DIM))).toThrow(LateIndexError);
    expect(plain.codec.drift()).toBeUndefined();
  });

  it('IndexBuilder holds documents back until the sample is collected, trains on it, then writes them', async () => {
    const index = await createIndex('residual:2');
    const builder = new IndexBuilder(index, new PrecomputedEncoder(DIM), parseReductionSpec('none'), { codecSampleVectors: 100 });
    const docs = clusteredDocs('b', 15, 9);
    const batch = (from: number, to: number) => builder.addEncodedBatch(docs.slice(from, to).map((d) => ({ id: d.id })), docs.slice(from, to).map((d) => multiVector(d.vectors.data, DIM)));
    expect((await batch(0, 5)).inserted).toBe(0);
    expect(index.counts().documents).toBe(0);
    expect(index.codec.needsTraining).toBe(true);
    expect((await batch(5, 11)).inserted).toBe(11);
    expect(index.counts().documents).toBe(11);
    expect((await batch(11, 15)).inserted).toBe(4);
    expect((await builder.finish()).inserted).toBe(0);
    const reference = new ResidualCodec(2);
    reference.train(concatRows(docs).subarray(0, 100 * DIM), DIM);
    expect(builder.codecTraining).toEqual(reference.training());
    expect(index.codec.drift()!.training).toEqual(reference.training());
  });

  it('without a hold-back (the REST writer) the first batch is written at once and is the sample', async () => {
    const index = await createIndex('residual:2');
    const builder = new IndexBuilder(index, new PrecomputedEncoder(DIM), parseReductionSpec('none'));
    const docs = clusteredDocs('r', 4, 12);
    expect((await builder.addEncodedBatch(docs.map((d) => ({ id: d.id })), docs.map((d) => multiVector(d.vectors.data, DIM)))).inserted).toBe(4);
    expect(index.counts().documents).toBe(4);
    expect(index.codec.drift()!.training.sampleVectors).toBe(4 * ROWS_PER_DOC);
  });

  it('a corpus smaller than the sample is trained on whole and written by finish()', async () => {
    const index = await createIndex('residual:4');
    const builder = new IndexBuilder(index, new PrecomputedEncoder(DIM), parseReductionSpec('none'), { codecSampleVectors: RESIDUAL_SAMPLE_VECTORS });
    const docs = clusteredDocs('s', 3, 10);
    expect((await builder.addEncodedBatch(docs.map((d) => ({ id: d.id })), docs.map((d) => multiVector(d.vectors.data, DIM)))).inserted).toBe(0);
    expect((await builder.finish()).inserted).toBe(3);
    expect(builder.codecTraining!.sampleVectors).toBe(30);
    expect(index.counts().documents).toBe(3);
  });

  it('a binary index stores ceil(dim/8) bytes per row and reads back sign vectors', async () => {
    const index = await createIndex('binary');
    const docs = isotropicDocs('b', 4, 11);
    await index.upsert(docs);
    expect(index.counts().vectorBytes).toBe(4 * ROWS_PER_DOC * (DIM / 8));
    const m = Math.fround(1 / Math.sqrt(DIM));
    for (const doc of docs) {
      const stored = index.readVectors(index.getInternalId(doc.id)!)!.data;
      expect(Array.from(stored)).toEqual(Array.from(doc.vectors.data, (x) => (x >= 0 ? m : -m)));
    }
    expect(index.verify().ok).toBe(true);
  });

  it('sweep grids accept every codec and refuse others with the valid list', () => {
    const configs = parseSweepGrid({ reduce: 'none;ward:2', quantize: 'binary;residual:2,residual:4' });
    expect(configs.map((c) => c.slug)).toEqual([
      'none.float32',
      'none.binary',
      'none.residual-2',
      'none.residual-4',
      'ward-2.binary',
      'ward-2.residual-2',
      'ward-2.residual-4',
    ]);
    expect(configs.find((c) => c.slug === 'ward-2.residual-2')!.quantization).toBe('residual:2');
    expect(() => parseSweepGrid({ reduce: 'none', quantize: 'residual:8' })).toThrow(/valid: float32, float16, int8, binary, residual:1, residual:2, residual:4/);
  });

  it('codec names: --quantize parsing and manifest validation list the valid ones', async () => {
    expect(parseCodecName('Residual:2')).toBe('residual:2');
    expect(() => parseCodecName('residual:3')).toThrow(UsageError);
    expect(() => parseCodecName('pq')).toThrow(/valid: float32, float16, int8, binary, residual:1, residual:2, residual:4/);
    await expect(LateIndex.create(newDir(), { encoder: encoderIdentity(DIM), quantization: 'pq' as QuantizationName })).rejects.toThrow(/unknown quantization "pq"/);
    const dir = newDir();
    await (await LateIndex.create(dir, { encoder: encoderIdentity(DIM), sparse: { mode: 'none' } })).close();
    const file = join(dir, 'manifest.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"float16"', '"residual:8"'));
    expect(() => readManifest(dir)).toThrow(IndexFormatError);
    expect(() => readManifest(dir)).toThrow(/"quantization" must be one of float32, float16, int8, binary, residual:1, residual:2, residual:4/);
  });
});
