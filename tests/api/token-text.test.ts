import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxColbertEncoder, PrecomputedEncoder, StaticEncoder } from '../../src/encode/index.js';
import { IndexBuilder, LateIndex, exactMatchRecoveryFor } from '../../src/index/index.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import { documentText, type DocumentRecord } from '../../src/shared/index.js';
import { FIXTURE_DIR } from '../encode-onnx/tiny-colbert-reference.js';
import { buildIndex, call, start, tempRoot, type Running } from './helpers.js';

/** Hand-worked: the static encoder keeps these tokens (stopwords "the", "is" and the possessive "'s" dropped). */
const RECORD = { _id: 'h1', title: 'Sourdough Bread', text: "  Wild yeast makes the dough rise; Baker's yeast is faster." };
const TOKENS: [token: string, field: 'title' | 'text', start: number, end: number][] = [
  ['sourdough', 'title', 0, 9], ['bread', 'title', 10, 15], ['wild', 'text', 2, 6], ['yeast', 'text', 7, 12],
  ['makes', 'text', 13, 18], ['dough', 'text', 23, 28], ['rise', 'text', 29, 33], ['baker', 'text', 35, 40],
  ['yeast', 'text', 43, 48], ['faster', 'text', 52, 58],
];
const OTHER = { _id: 'h2', title: 'Glaciers', text: 'Ice flows downhill under its own weight.' };

interface DocToken { token: string; position: number; field?: 'title' | 'text'; start?: number; end?: number; text?: string }
interface TokenScore { query_token: string | null; weight: number; document_vector: number; similarity: number; exact_match: boolean; document_tokens?: DocToken[] }

const expectedToken = (position: number): DocToken => {
  const [token, field, startAt, end] = TOKENS[position]!;
  return { token, position, field, start: startAt, end, text: RECORD[field].slice(startAt, end) };
};

let root: string;
let running: Running;
let encoder: StaticEncoder;

async function scoresFor(index: string, query: string, id = 'h1'): Promise<TokenScore[]> {
  const reply = await call(running.url, 'POST', `/v1/indexes/${index}/search`, {
    query, top_k: 1, include: ['token_scores'], filter: { ids: [id] },
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.results[0].hits[0].token_scores;
}

async function buildOnnxIndex(dir: string, records: DocumentRecord[]): Promise<void> {
  const onnx = await OnnxColbertEncoder.load(FIXTURE_DIR);
  const index = await LateIndex.create(dir, { encoder: onnx.identity, encoderSource: FIXTURE_DIR, sparse: { mode: 'none' } });
  try {
    await new IndexBuilder(index, onnx, parseReductionSpec('none')).addBatch(records);
  } finally {
    await index.close();
    await onnx.close();
  }
}

async function buildPrecomputedIndex(dir: string): Promise<void> {
  const precomputed = new PrecomputedEncoder(4);
  const index = await LateIndex.create(dir, { encoder: precomputed.identity, sparse: { mode: 'none' } });
  try {
    const embeddings = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0]);
    await new IndexBuilder(index, precomputed, parseReductionSpec('none')).addBatch([{ id: 'p1', text: 'page one', embeddings, embeddingCount: 2 }]);
  } finally {
    await index.close();
  }
}

beforeAll(async () => {
  root = tempRoot();
  const records = [RECORD, OTHER].map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  await buildIndex(path.join(root, 'plain'), { records });
  await buildIndex(path.join(root, 'pooled'), { records, reduce: 'ward:2' });
  await buildOnnxIndex(path.join(root, 'onnx'), records);
  await buildPrecomputedIndex(path.join(root, 'vectors'));
  encoder = await StaticEncoder.load();
  running = await start({ indexDirs: ['plain', 'pooled', 'onnx', 'vectors'].map((name) => path.join(root, name)) });
});

afterAll(async () => {
  await running?.server.close();
  await encoder?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('token scores name the matched document tokens, with their text and offsets', () => {
  it('the hand-worked tokens are what the embedded encoder reads', () => {
    expect(encoder.tokenize(documentText(RECORD))).toEqual(TOKENS.map(([token]) => token));
  });

  it('an unreduced index: each query token matched the one document token its stored row is (its first occurrence)', async () => {
    const scores = await scoresFor('plain', 'yeast rise bread');
    expect(scores.map((s) => s.query_token)).toEqual(['yeast', 'rise', 'bread']);
    expect(scores.map((s) => s.document_vector)).toEqual([3, 6, 1]);
    expect(scores.map((s) => s.document_tokens)).toEqual([[expectedToken(3)], [expectedToken(6)], [expectedToken(1)]]);
    for (const s of scores) expect(s.similarity).toBeCloseTo(1, 3);
    // The offsets slice the stored fields to the reported text.
    expect(scores.map((s) => s.document_tokens![0]!.text)).toEqual(['yeast', 'rise', 'Bread']);
  });

  it('a query token absent from the document names the stored row it came closest to', async () => {
    const [query] = await encoder.encodeQueries(['loaf']);
    const [doc] = await encoder.encodeDocuments([documentText(RECORD)]);
    const dots = TOKENS.map((_, r) => query!.data.reduce((s, x, d) => s + x * doc!.data[r * doc!.dim + d]!, 0));
    const best = dots.indexOf(Math.max(...dots));
    const [score] = await scoresFor('plain', 'loaf');
    expect(score!.document_vector).toBe(best);
    expect(score!.document_tokens).toEqual([expectedToken(best)]);
    expect(score!.similarity).toBeCloseTo(dots[best]!, 3);
  });

  it('a pooled index: an exact match lists every occurrence of the token; another match lists the members of its pooled row', async () => {
    const scores = await scoresFor('pooled', 'yeast loaf');
    const [yeast, loaf] = scores;
    expect(yeast!.exact_match).toBe(true);
    expect(yeast!.document_tokens).toEqual([expectedToken(3), expectedToken(8)]);
    expect(loaf!.exact_match).toBe(false);
    const members = loaf!.document_tokens!;
    expect(members.length).toBeGreaterThan(1);
    for (const member of members) expect(member).toEqual(expectedToken(member.position));
    // Independent check that these are the row's members: the row is their normalised mean, so the query's
    // similarity to that mean is the reported similarity (float16 storage: within 1e-3).
    const [query] = await encoder.encodeQueries(['loaf']);
    const [doc] = await encoder.encodeDocuments([documentText(RECORD)]);
    const mean = new Float64Array(doc!.dim);
    for (const { position } of members) for (let d = 0; d < doc!.dim; d++) mean[d]! += doc!.data[position * doc!.dim + d]!;
    const norm = Math.hypot(...mean);
    const similarity = query!.data.reduce((s, x, d) => s + (x * mean[d]!) / norm, 0);
    expect(loaf!.similarity).toBeCloseTo(similarity, 3);
  });

  it('an ONNX ColBERT index: word pieces carry the characters they were read from', async () => {
    const scores = await scoresFor('onnx', 'yeast bread');
    const tokens = scores.flatMap((s) => s.document_tokens ?? []);
    expect(tokens.length).toBe(scores.length);
    for (const token of tokens) {
      if (token.field === undefined) continue; // [CLS] / [D] / [SEP] rows stand for no text
      expect(token.text).toBe(RECORD[token.field].slice(token.start, token.end));
      expect(token.text!.toLowerCase()).toBe(token.token.replace(/^##/, ''));
    }
    // "bread" is no word of the tiny vocabulary: its pieces b ##r ##e ##a ##d come from "Bread" in the title.
    const onnx = await OnnxColbertEncoder.load(FIXTURE_DIR);
    const spans = onnx.documentTokenSpans(documentText(RECORD));
    await onnx.close();
    expect(spans.tokens.slice(0, 8)).toEqual(['[CLS]', '[D] ', 's', '##o', '##u', '##r', '##d', '##o']);
  });

  it('precomputed embeddings have no text to trace: token scores come without document tokens', async () => {
    const reply = await call(running.url, 'POST', '/v1/indexes/vectors/search', { embeddings: [[1, 0, 0, 0]], top_k: 1, include: ['token_scores'] });
    expect(reply.status).toBe(200);
    const [score] = reply.body.results[0].hits[0].token_scores as TokenScore[];
    expect(score).toMatchObject({ document_vector: 0, exact_match: false });
    expect(score!.similarity).toBeCloseTo(1, 3);
    expect(score!.document_tokens).toBeUndefined();
  });
});
