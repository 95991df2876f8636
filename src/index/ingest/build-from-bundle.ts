import { PrecomputedEncoder } from '../../encode/index.js';
import type { EmbeddingBundle } from '../../encode/precomputed/embedding-bundle.js';
import { mulberry32, type MultiVector } from '../../shared/index.js';
import type { CentroidResidualCodec } from '../codecs/centroid-residual-codec.js';
import { isPlaidCodec } from '../codecs/registry.js';
import type { CodecTrainingReport } from '../codecs/vector-codec.js';
import { codebookSizeFor, trainingSampleSize } from '../contextual/codebook-training.js';
import { EncodingPool, type EncodedBatch } from '../contextual/encoding-pool.js';
import { LateIndex } from '../late-index.js';
import { storedRows } from '../store/write-batch.js';
import type { PreparedDocument, QuantizationName } from '../types.js';

/** Documents per write transaction: large, so that each inverted list is rewritten once per many documents. */
export const BUNDLE_BATCH_DOCUMENTS = 2048;

/** Seed of the documents drawn for the codebook's training sample. */
const SAMPLE_SEED = 0x5a3e;

export interface BundleBuildOptions {
  /** A new or empty directory. */
  readonly dir: string;
  readonly bundle: EmbeddingBundle;
  /** A PLAID codec name (`plaid:1`, `plaid:2`, `plaid:4`). */
  readonly quantization: QuantizationName;
  readonly batchDocuments?: number;
  /** Encoding worker threads (default: the cores). */
  readonly threads?: number;
  /** After each committed batch: documents written so far. */
  readonly onProgress?: (documents: number) => void;
}

export interface BundleBuild {
  /** Open and writable; the caller closes it. */
  readonly index: LateIndex;
  readonly codecTraining: CodecTrainingReport;
  /** Wall seconds of each phase. */
  readonly seconds: { readonly training: number; readonly writing: number; readonly repack: number };
}

/**
 * Builds a PLAID index from a bundle of precomputed embeddings in memory that does not grow with the corpus:
 * the codebook is trained on a sample of whole documents drawn across the bundle (sized by `trainingSampleSize`
 * for the codebook the bundle's token count calls for), then batches are read in order, compressed on worker
 * threads (`EncodingPool`) while the previous batch commits, and written with their inverted-file postings in
 * one transaction each; the inverted file is repacked at the end. The bundle was fully checked when it was opened.
 */
export async function buildFromBundle(options: BundleBuildOptions): Promise<BundleBuild> {
  const { bundle, quantization } = options;
  if (!isPlaidCodec(quantization)) throw new RangeError(`a bundle builds a PLAID index; ${quantization} is not a PLAID codec`);
  const index = await LateIndex.create(options.dir, {
    encoder: new PrecomputedEncoder(bundle.dim).identity,
    quantization,
    sparse: { mode: 'none' },
  });
  let pool: EncodingPool | undefined;
  try {
    let started = performance.now();
    const codecTraining = index.codec.train(trainingSample(bundle), { expectedVectors: bundle.tokens });
    const training = (performance.now() - started) / 1000;

    started = performance.now();
    const plaid = trainedCodec(index);
    pool = new EncodingPool(plaid.state(), options.threads);
    const size = options.batchDocuments ?? BUNDLE_BATCH_DOCUMENTS;
    const encodeBatch = (first: number) => {
      const batch = bundle.read(first, size);
      return { batch, encoded: pool!.encode(batch.rows, batch.lengths, bundle.dim) };
    };
    let next = bundle.documents > 0 ? encodeBatch(0) : undefined;
    let written = 0;
    while (next !== undefined) {
      const { batch } = next;
      const encoded = await next.encoded;
      // The following batch is read and compressed while this one commits.
      const after = batch.first + batch.ids.length;
      next = after < bundle.documents ? encodeBatch(after) : undefined;
      const { docs, rows } = preparedBatch(batch.ids, batch.lengths, batch.rows, encoded, bundle.dim, plaid);
      await index.upsert(docs, { rows });
      written += docs.length;
      options.onProgress?.(written);
    }
    const writing = (performance.now() - started) / 1000;

    started = performance.now();
    await index.compact();
    const repack = (performance.now() - started) / 1000;
    return { index, codecTraining, seconds: { training, writing, repack } };
  } catch (err) {
    await index.close().catch(() => undefined);
    throw err;
  } finally {
    await pool?.close();
  }
}

/**
 * Whole documents drawn uniformly without replacement (seeded) until their rows reach the sample size the
 * codebook needs, read in file order.
 */
function trainingSample(bundle: EmbeddingBundle): Float32Array {
  const want = trainingSampleSize(codebookSizeFor(bundle.tokens));
  const order = Array.from({ length: bundle.documents }, (_, i) => i);
  const random = mulberry32(SAMPLE_SEED);
  const chosen: number[] = [];
  let rows = 0;
  for (let i = 0; i < order.length && rows < want; i++) {
    const j = i + Math.floor(random() * (order.length - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    chosen.push(order[i]!);
    rows += bundle.lengths[order[i]!]!;
  }
  return bundle.sample(chosen.sort((a, b) => a - b));
}

function trainedCodec(index: LateIndex): CentroidResidualCodec {
  const reader = index.centroids;
  if (reader === undefined) throw new RangeError(`${index.dir}: the PLAID codec is not trained`);
  return reader.codec;
}

function preparedBatch(
  ids: readonly string[],
  lengths: Int32Array,
  rows: Float32Array,
  encoded: EncodedBatch,
  dim: number,
  codec: CentroidResidualCodec,
): { docs: PreparedDocument[]; rows: ReturnType<typeof storedRows>[] } {
  const docs: PreparedDocument[] = [];
  const stored: ReturnType<typeof storedRows>[] = [];
  let rowAt = 0;
  ids.forEach((id, d) => {
    const count = lengths[d]!;
    const vectors: MultiVector = { dim, count, data: rows.subarray(rowAt * dim, (rowAt + count) * dim) };
    docs.push({ id, vectors });
    stored.push(storedRows(encoded.bytes.subarray(encoded.offsets[d]!, encoded.offsets[d + 1]!), count, dim, codec));
    rowAt += count;
  });
  return { docs, rows: stored };
}
