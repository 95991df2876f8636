/**
 * Independent re-implementation of the tiny ColBERT fixture's forward pass (see
 * scripts/make-tiny-colbert.ts) in float64 over the weights in weights.json, plus fixture helpers.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'tiny-colbert');

interface DenseJson {
  dims: number[];
  data: number[];
}
interface QuantJson {
  dims: number[];
  scale: number;
  values: number[];
}
interface WeightsJson {
  hidden: number;
  dim: number;
  fp32: Record<string, DenseJson>;
  int8: Record<string, QuantJson>;
}

const weightsJson = JSON.parse(readFileSync(join(FIXTURE_DIR, 'weights.json'), 'utf8')) as WeightsJson;
const tokenizerJson = JSON.parse(readFileSync(join(FIXTURE_DIR, 'tokenizer.json'), 'utf8')) as {
  model: { vocab: Record<string, number> };
};
export const onnxConfig = JSON.parse(readFileSync(join(FIXTURE_DIR, 'onnx_config.json'), 'utf8')) as Record<string, unknown> & {
  query_length: number;
  document_length: number;
  skiplist_words: string[];
  embedding_dim: number;
};

/** Vocabulary id of a token string, straight from tokenizer.json. */
export function vocabId(token: string): number {
  const id = tokenizerJson.model.vocab[token];
  if (id === undefined) throw new Error(`token ${JSON.stringify(token)} not in fixture vocabulary`);
  return id;
}

type Matrix = { rows: number; cols: number; data: Float64Array };

function weight(name: string, int8: boolean): Matrix {
  const dense = weightsJson.fp32[name]!;
  const rows = dense.dims[0]!;
  const cols = dense.dims[1] ?? 1;
  const q = weightsJson.int8[name];
  if (int8 && q) {
    // DequantizeLinear with zero point 0: float32(value * scale).
    return { rows, cols, data: Float64Array.from(q.values, (v) => Math.fround(v * q.scale)) };
  }
  return { rows, cols, data: Float64Array.from(dense.data) };
}

export interface ReferenceModel {
  /** Unnormalised output rows [seq, dim] for one sequence; `typeIds` null = a model without token types. */
  forward(ids: readonly number[], attention: readonly number[], typeIds: readonly number[] | null): Float64Array[];
  readonly dim: number;
}

export function referenceModel(int8: boolean): ReferenceModel {
  const H = weightsJson.hidden;
  const D = weightsJson.dim;
  const word = weight('word_embeddings', int8);
  const pos = weight('position_embeddings', int8);
  const type = weight('token_type_embeddings', int8);
  const w1 = weight('dense_weight', int8);
  const b1 = weight('dense_bias', int8);
  const wmix = weight('mix_weight', int8);
  const wproj = weight('projection_weight', int8);
  const row = (m: Matrix, r: number): Float64Array => m.data.subarray(r * m.cols, (r + 1) * m.cols);
  const matvec = (x: Float64Array, m: Matrix): Float64Array => {
    const out = new Float64Array(m.cols);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j]! += x[i]! * m.data[i * m.cols + j]!;
    return out;
  };
  return {
    dim: D,
    forward(ids, attention, typeIds) {
      const hidden = ids.map((id, t) => {
        const e = new Float64Array(H);
        const we = row(word, id);
        const pe = row(pos, t);
        const te = typeIds ? row(type, typeIds[t]!) : new Float64Array(H);
        for (let k = 0; k < H; k++) e[k] = we[k]! + pe[k]! + te[k]!;
        const pre = matvec(e, w1);
        return pre.map((v, k) => Math.tanh(v + b1.data[k]!));
      });
      const mean = new Float64Array(H);
      let count = 0;
      hidden.forEach((h, t) => {
        if (attention[t] === 1) {
          count++;
          for (let k = 0; k < H; k++) mean[k]! += h[k]!;
        }
      });
      for (let k = 0; k < H; k++) mean[k]! /= Math.max(count, 1);
      const mix = matvec(mean, wmix);
      return hidden.map((h) => matvec(h.map((v, k) => v + mix[k]!), wproj));
    },
  };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** A temporary copy of the fixture directory, optionally with edited config files. */
export function fixtureCopy(edit: (dir: string) => void = () => {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-colbert-'));
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  edit(dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function editJson(file: string, change: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(file, JSON.stringify(json));
}
