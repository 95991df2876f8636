import type { Encoder } from '../../encode/index.js';
import type { ReductionPipeline } from '../../pool/index.js';
import type { DocumentRecord, MultiVector } from '../../shared/index.js';
import { RESIDUAL_SAMPLE_VECTORS } from '../codecs/residual-training.js';
import type { CodecTrainingReport } from '../codecs/vector-codec.js';
import type { CreateIndexOptions } from '../index-settings.js';
import { LateIndex } from '../late-index.js';
import type { ReorderReport } from '../sparse/sparse-store.js';
import { exactMatchRecoveryFor } from './exact-match-policy.js';
import { IndexBuilder, type BatchResult } from './index-builder.js';

/** Records to index; `vectors[i]`, when given, is `records[i]`'s encoder output (a sweep's encoded corpus). */
export interface IngestBatch {
  readonly records: readonly DocumentRecord[];
  readonly vectors?: readonly MultiVector[];
}

export interface BuildIndexOptions {
  /** A new or empty directory. */
  readonly dir: string;
  readonly encoder: Encoder;
  readonly pipeline: ReductionPipeline;
  readonly quantization?: CreateIndexOptions['quantization'];
  readonly sparse?: CreateIndexOptions['sparse'];
  readonly hnsw?: CreateIndexOptions['hnsw'];
  readonly encoderSource?: string;
  /** `--[no-]exact-match-recovery`; undefined: `exactMatchRecoveryFor`'s default for the encoder and pipeline. */
  readonly exactMatchRecovery?: boolean;
  readonly batches: AsyncIterable<IngestBatch> | Iterable<IngestBatch>;
  /** After each batch: the records read so far. */
  readonly onProgress?: (records: number) => void;
  /** After each batch: its records and what writing them reported (ids that encoded to no vector, documents cut at the token limit). */
  readonly onBatch?: (records: readonly DocumentRecord[], result: BatchResult) => void;
  /** Re-block the sparse postings by graph bisection once everything is written (default true). */
  readonly reorderSparse?: boolean;
}

export interface BuiltIndex {
  /** Open and writable; the caller closes it. */
  readonly index: LateIndex;
  /** What training the codec measured (residual codes). */
  readonly codecTraining?: CodecTrainingReport;
  readonly reorder?: ReorderReport;
}

/**
 * Builds a whole index, the one sequence `lateindex index` and sweeps share: create it, stream the batches in
 * (a residual codec trains on the first RESIDUAL_SAMPLE_VECTORS reduced vectors: those documents are held back
 * until then, and written before the end), then re-block the sparse postings so Block-Max Pruning can skip
 * blocks. On failure the index is closed and the error propagates; the directory is the caller's to remove.
 */
export async function buildIndex(options: BuildIndexOptions): Promise<BuiltIndex> {
  const { encoder, pipeline } = options;
  const index = await LateIndex.create(options.dir, {
    encoder: encoder.identity,
    reduction: pipeline.spec,
    exactMatchRecovery: exactMatchRecoveryFor(encoder, pipeline, options.exactMatchRecovery),
    ...(options.quantization !== undefined && { quantization: options.quantization }),
    ...(options.sparse !== undefined && { sparse: options.sparse }),
    ...(options.hnsw !== undefined && { hnsw: options.hnsw }),
    ...(options.encoderSource !== undefined && { encoderSource: options.encoderSource }),
  });
  try {
    const builder = new IndexBuilder(index, encoder, pipeline, { codecSampleVectors: RESIDUAL_SAMPLE_VECTORS });
    let records = 0;
    for await (const batch of options.batches) {
      const result = batch.vectors ? await builder.addEncodedBatch(batch.records, batch.vectors) : await builder.addBatch(batch.records);
      options.onBatch?.(batch.records, result);
      records += batch.records.length;
      options.onProgress?.(records);
    }
    await builder.finish();
    const reorder = options.reorderSparse === false ? undefined : index.reorderSparse();
    return { index, ...(builder.codecTraining && { codecTraining: builder.codecTraining }), ...(reorder && { reorder }) };
  } catch (err) {
    await index.close().catch(() => undefined);
    throw err;
  }
}
