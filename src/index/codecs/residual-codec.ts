import { IndexFormatError, LateIndexError } from '../../shared/index.js';
import { murmur3x86_128 } from '../../shared/murmur.js';
import { mulberry32 } from '../../shared/random.js';
import { accumulateDrift, emptyDriftSums, meanReconstruction } from './codec-drift.js';
import { HELD_OUT_FRACTION, RESIDUAL_SEED, assignNearest, trainResidualModel, type ResidualModel } from './residual-training.js';
import { checkDecodeArgs, type CodecTrainingReport, type TrainableCodec, type FixedWidthCodec } from './vector-codec.js';

/** Bytes of the row hash that keys the assignment cache. */
const ROW_HASH_BYTES = 16;

export const RESIDUAL_BITS: readonly number[] = [1, 2, 4];

const STATE_MAGIC = 0x4352494c; // "LIRC" little-endian
const STATE_VERSION = 1;
/** magic, version, nbits, dim, centroids, sampleVectors, trainVectors, heldOutVectors (u32) + 2 float64 figures. */
const HEADER_BYTES = 8 * 4 + 2 * 8;
/** Remembered centroid assignments (by 128-bit row key); cleared when full. */
const ASSIGNMENT_CACHE_SIZE = 1 << 16;

/**
 * ColBERTv2-style residual compression: a vector is stored as the id of its nearest centroid (uint8) plus, per
 * dimension, an `nbits` bucket code of its residual (x - centroid). Decoding adds each bucket's mean residual to
 * the centroid and re-normalises the row (inputs are unit rows; MaxSim and the HNSW graph expect unit rows).
 * Layout of a payload of `count` vectors: `count` one-byte centroid ids, then `count` blocks of
 * `ceil(dim * nbits / 8)` code bytes (dimension j at bits `(j * nbits) % 8` of byte `(j * nbits) >> 3`).
 * Bytes per vector: `1 + ceil(dim * nbits / 8)` (the codebook is stored once per index).
 */
export class ResidualCodec implements TrainableCodec, FixedWidthCodec {
  readonly name: string;
  private fitted: ResidualModel | undefined;
  private report: CodecTrainingReport | undefined;
  /**
   * Row key -> centroid id. Static encoders store the same word vector in many documents; the nearest-centroid scan
   * (k x dim multiply-adds) is the encode cost, so equal rows are assigned once.
   */
  private readonly assignments = new Map<string, number>();
  private readonly key = new Uint8Array(ROW_HASH_BYTES);

  constructor(readonly nbits: number) {
    if (!RESIDUAL_BITS.includes(nbits)) throw new RangeError(`residual codec: nbits must be one of ${RESIDUAL_BITS.join(', ')}, got ${nbits}`);
    this.name = `residual:${nbits}`;
  }

  get trained(): boolean {
    return this.fitted !== undefined;
  }

  /** Centroids of the trained codebook (0 before training). */
  get centroidCount(): number {
    return this.fitted?.centroidCount ?? 0;
  }

  /** Bytes of the persisted codebook (centroids, cut-offs, values and header). */
  get codebookBytes(): number {
    const m = this.fitted;
    return m ? HEADER_BYTES + 4 * (m.centroids.length + m.cutoffs.length + m.values.length) : 0;
  }

  /** The trained centroids and buckets (read-only view for diagnostics and tests). */
  get model(): Readonly<ResidualModel> | undefined {
    return this.fitted;
  }

  payloadBytes(count: number, dim: number): number {
    return count * this.bytesPerVector(dim);
  }

  bytesPerVector(dim: number): number {
    return 1 + codeBytes(dim, this.nbits);
  }

  training(): CodecTrainingReport | undefined {
    return this.report;
  }

  /**
   * Fits centroids and buckets to all but a seeded HELD_OUT_FRACTION of `sample`, then measures the error on the
   * held-out rows (on the whole sample when fewer than 20 rows are given).
   */
  train(sample: Float32Array, dim: number): CodecTrainingReport {
    const n = sample.length / dim;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${this.name} codec: training needs whole vectors of dim ${dim}, got ${sample.length} floats`);
    const heldOutCount = n >= 20 ? Math.max(1, Math.floor(n * HELD_OUT_FRACTION)) : 0;
    const order = shuffledOrder(n, mulberry32(RESIDUAL_SEED ^ 0x9e3779b9));
    const fitRows = gatherRows(sample, dim, order.subarray(heldOutCount));
    const heldOut = heldOutCount > 0 ? gatherRows(sample, dim, order.subarray(0, heldOutCount)) : fitRows;
    this.assignments.clear();
    this.fitted = trainResidualModel(fitRows, dim, this.nbits);
    const decoded = this.decode(this.encode(heldOut, dim), heldOut.length / dim, dim, new Float32Array(heldOut.length));
    const error = reconstructionError(heldOut, decoded, dim);
    this.report = {
      sampleVectors: n,
      trainVectors: fitRows.length / dim,
      heldOutVectors: heldOut.length / dim,
      centroids: this.fitted.centroidCount,
      meanSquaredError: error.meanSquaredError,
      meanCosine: error.meanCosine,
    };
    return this.report;
  }

  encode(rows: Float32Array, dim: number): Uint8Array {
    if (rows.length === 0) return new Uint8Array(0);
    const model = this.requireModel(dim);
    if (rows.length % dim !== 0) throw new RangeError(`${this.name} codec: ${rows.length} floats is not a multiple of dim ${dim}`);
    const count = rows.length / dim;
    const stride = codeBytes(dim, this.nbits);
    const out = new Uint8Array(count * (1 + stride));
    const ids = out.subarray(0, count);
    this.assign(model, rows, count, dim, ids);
    const codes = out.subarray(count);
    const { centroids, cutoffs } = model;
    const nbits = this.nbits;
    const cuts = (1 << nbits) - 1;
    for (let v = 0, off = 0, base = 0; v < count; v++, off += dim, base += stride) {
      const co = ids[v]! * dim;
      for (let j = 0; j < dim; j++) {
        const r = rows[off + j]! - centroids[co + j]!;
        let bucket = 0;
        const cb = j * cuts;
        while (bucket < cuts && r >= cutoffs[cb + bucket]!) bucket++;
        const bit = j * nbits;
        codes[base + (bit >>> 3)]! |= bucket << (bit & 7);
      }
    }
    return out;
  }

  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array {
    if (count === 0) return out;
    const model = this.requireModel(dim);
    checkDecodeArgs(this, bytes, count, dim, out);
    const stride = codeBytes(dim, this.nbits);
    const { centroids, values } = model;
    const nbits = this.nbits;
    const buckets = 1 << nbits;
    const mask = buckets - 1;
    for (let v = 0, off = 0, base = count; v < count; v++, off += dim, base += stride) {
      const co = bytes[v]! * dim;
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        const bit = j * nbits;
        const bucket = (bytes[base + (bit >>> 3)]! >>> (bit & 7)) & mask;
        const x = centroids[co + j]! + values[j * buckets + bucket]!;
        out[off + j] = x;
        norm += x * x;
      }
      if (norm > 0) {
        const scale = 1 / Math.sqrt(norm);
        for (let j = 0; j < dim; j++) out[off + j]! *= scale;
      }
    }
    return out;
  }

  /** Nearest centroid of each row: cached ones looked up, the rest scanned together (four rows per pass). */
  private assign(model: ResidualModel, rows: Float32Array, count: number, dim: number, ids: Uint8Array): void {
    const words = new Uint32Array(rows.buffer, rows.byteOffset, rows.length);
    const keys: string[] = new Array<string>(count);
    const missing: number[] = [];
    for (let v = 0; v < count; v++) {
      murmur3x86_128(words, v * dim, dim, this.key);
      const key = Buffer.from(this.key.buffer, 0, ROW_HASH_BYTES).toString('latin1');
      keys[v] = key;
      const cached = this.assignments.get(key);
      if (cached === undefined) missing.push(v);
      else ids[v] = cached;
    }
    if (missing.length === 0) return;
    const gathered = new Float32Array(missing.length * dim);
    missing.forEach((v, i) => gathered.set(rows.subarray(v * dim, (v + 1) * dim), i * dim));
    const found = new Uint8Array(missing.length);
    assignNearest(model.centroids, model.centroidCount, dim, gathered, missing.length, found);
    if (this.assignments.size + missing.length > ASSIGNMENT_CACHE_SIZE) this.assignments.clear();
    missing.forEach((v, i) => {
      ids[v] = found[i]!;
      this.assignments.set(keys[v]!, found[i]!);
    });
  }

  state(): Uint8Array {
    const model = this.fitted;
    const report = this.report;
    if (!model || !report) throw new LateIndexError('codec_untrained', `${this.name} codec has not been trained`);
    const floats = model.centroids.length + model.cutoffs.length + model.values.length;
    const out = new Uint8Array(HEADER_BYTES + floats * 4);
    const view = new DataView(out.buffer);
    const header = [STATE_MAGIC, STATE_VERSION, model.nbits, model.dim, model.centroidCount, report.sampleVectors, report.trainVectors, report.heldOutVectors];
    header.forEach((value, i) => view.setUint32(i * 4, value, true));
    view.setFloat64(32, report.meanSquaredError, true);
    view.setFloat64(40, report.meanCosine, true);
    const body = new Float32Array(out.buffer, HEADER_BYTES, floats);
    body.set(model.centroids, 0);
    body.set(model.cutoffs, model.centroids.length);
    body.set(model.values, model.centroids.length + model.cutoffs.length);
    return out;
  }

  restore(state: Uint8Array): void {
    const bad = (why: string): never => {
      throw new IndexFormatError('corrupt_codec_state', `${this.name} codec state: ${why}`);
    };
    if (state.length < HEADER_BYTES) bad(`${state.length} bytes is shorter than the header`);
    const copy = state.slice();
    const view = new DataView(copy.buffer);
    const u = (i: number): number => view.getUint32(i * 4, true);
    if (u(0) !== STATE_MAGIC) bad('not a residual codebook');
    if (u(1) !== STATE_VERSION) bad(`version ${u(1)} is not supported (expected ${STATE_VERSION})`);
    const [nbits, dim, centroidCount] = [u(2), u(3), u(4)];
    if (nbits !== this.nbits) bad(`trained for ${nbits} bits, the manifest says ${this.nbits}`);
    const buckets = 1 << nbits;
    const sizes = [centroidCount * dim, dim * (buckets - 1), dim * buckets];
    const floats = sizes[0]! + sizes[1]! + sizes[2]!;
    if (dim < 1 || centroidCount < 1 || centroidCount > 256 || copy.length !== HEADER_BYTES + floats * 4) {
      bad(`${copy.length} bytes do not hold ${centroidCount} centroids of dim ${dim}`);
    }
    const body = new Float32Array(copy.buffer, HEADER_BYTES, floats);
    this.assignments.clear();
    this.fitted = {
      dim,
      nbits,
      centroidCount,
      centroids: body.slice(0, sizes[0]),
      cutoffs: body.slice(sizes[0], sizes[0]! + sizes[1]!),
      values: body.slice(sizes[0]! + sizes[1]!),
    };
    this.report = {
      sampleVectors: u(5),
      trainVectors: u(6),
      heldOutVectors: u(7),
      centroids: centroidCount,
      meanSquaredError: view.getFloat64(32, true),
      meanCosine: view.getFloat64(40, true),
    };
  }

  private requireModel(dim: number): ResidualModel {
    const model = this.fitted;
    if (!model) throw new LateIndexError('codec_untrained', `${this.name} codec has not been trained: it needs a sample of vectors first`);
    if (model.dim !== dim) throw new RangeError(`${this.name} codec was trained on dim ${model.dim}, asked for dim ${dim}`);
    return model;
  }
}

function codeBytes(dim: number, nbits: number): number {
  return (dim * nbits + 7) >>> 3;
}

function shuffledOrder(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

function gatherRows(rows: Float32Array, dim: number, which: Int32Array): Float32Array {
  const out = new Float32Array(which.length * dim);
  for (let i = 0; i < which.length; i++) out.set(rows.subarray(which[i]! * dim, (which[i]! + 1) * dim), i * dim);
  return out;
}

/** Mean squared error and mean cosine between matching rows of `original` and `decoded`. */
export function reconstructionError(original: Float32Array, decoded: Float32Array, dim: number): { meanSquaredError: number; meanCosine: number } {
  const sums = emptyDriftSums();
  accumulateDrift(sums, original, decoded, dim);
  const { meanSquaredError, meanCosine } = meanReconstruction(sums);
  return { meanSquaredError, meanCosine };
}
