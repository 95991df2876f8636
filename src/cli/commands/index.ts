import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PrecomputedEncoder, loadEncoder, type Encoder, type EncoderOptions } from '../../encode/index.js';
import {
  LateIndex,
  buildIndex,
  countCorpusRecords,
  parseCodecName,
  readCorpus,
  type CodecTrainingReport,
  type IngestBatch,
  type SparseIndexMode,
} from '../../index/index.js';
import { parseReductionSpec } from '../../pool/index.js';
import { UsageError, type DocumentRecord } from '../../shared/index.js';
import { describeExactTokenLists, printJson, say, formatBytes } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { batches, peekFirst } from './batches.js';

export interface IndexCommandOptions extends EncoderOptions {
  readonly dataset?: string;
  readonly corpus?: string;
  readonly index: string;
  readonly batchSize: number;
  readonly reduce: string;
  /** A codec name (CODEC_NAMES): float32, float16, int8, binary, residual:1, residual:2, residual:4. */
  readonly quantize: string;
  readonly sparse: SparseIndexMode;
  /** Documents per sparse block (1..256); default 64. */
  readonly sparseBlockSize?: number;
  /** `--[no-]exact-match-recovery`; undefined: `exactMatchRecoveryFor`'s default. */
  readonly exactMatchRecovery?: boolean;
  readonly overwrite?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/**
 * Builds the index in a staging directory beside the target and swaps it in only when complete, so a failed or
 * interrupted build never touches an index that was already there.
 */
export async function indexCommand(options: IndexCommandOptions): Promise<void> {
  if (Boolean(options.dataset) === Boolean(options.corpus)) {
    throw new UsageError('give exactly one of --dataset <BEIR dir> or --corpus <file | dir>');
  }
  const source = (options.dataset ?? options.corpus)!;
  const quantization = parseCodecName(options.quantize);
  const target = path.resolve(options.index);
  await checkTarget(target, options.overwrite === true);
  const pipeline = parseReductionSpec(options.reduce);

  const started = performance.now();
  const total = await countCorpusRecords(source);
  const { first, records } = await peekFirst(readCorpus(source));
  if (!first) throw new UsageError(`the corpus ${source} holds no records`, 'empty_corpus');
  const encoder = await encoderForBuild(first, options);

  const staging = `${target}.building-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  const progress = new ProgressReporter('indexing', total, 'docs', options.quiet || options.json);
  let training: CodecTrainingReport | undefined;
  try {
    const built = await buildIndex({
      dir: staging,
      encoder,
      pipeline,
      quantization,
      sparse: { mode: options.sparse, ...(options.sparseBlockSize !== undefined && { blockSize: options.sparseBlockSize }) },
      ...(options.exactMatchRecovery !== undefined && { exactMatchRecovery: options.exactMatchRecovery }),
      ...(options.model && { encoderSource: path.resolve(options.model) }),
      batches: recordBatches(records, options.batchSize),
      onProgress: (done) => progress.update(done),
    });
    training = built.codecTraining;
    await built.index.close();
    progress.stop();
    await swapIntoPlace(staging, target);
  } catch (err) {
    progress.stop();
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await encoder.close();
  }

  const built = await LateIndex.open(target, { readOnly: true });
  const counts = built.counts();
  await built.close();
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    index: target,
    documents: counts.documents,
    vectors: counts.vectors,
    bytes: counts.vectorBytes,
    bytesPerDoc: counts.documents ? counts.vectorBytes / counts.documents : 0,
    seconds: Number(seconds.toFixed(2)),
    docsPerSecond: Number((counts.documents / seconds).toFixed(1)),
    encoder: encoder.identity.name,
    reduction: pipeline.spec,
    quantization,
    ...(counts.exactTokenBytes !== undefined && { exactTokenBytes: counts.exactTokenBytes }),
    ...(training && { codecTraining: training }),
    sparse: options.sparse,
  };
  if (options.json) {
    printJson(summary);
    return;
  }
  say(
    `indexed ${summary.documents} documents, ${summary.vectors} vectors, ${formatBytes(summary.bytes)} of vectors ` +
      `(${summary.bytesPerDoc.toFixed(0)} B/doc) in ${summary.seconds}s (${summary.docsPerSecond} docs/s) -> ${target}`,
  );
  if (summary.exactTokenBytes !== undefined) {
    say(`exact-match recovery: ${describeExactTokenLists(summary.exactTokenBytes, summary.documents)}`);
  }
  if (training) {
    say(
      `${quantization}: ${training.centroids} centroids trained on ${training.trainVectors} vectors; held-out reconstruction ` +
        `cosine ${training.meanCosine.toFixed(4)}, squared error ${training.meanSquaredError.toFixed(4)} (${training.heldOutVectors} vectors)`,
    );
  }
}

async function* recordBatches(records: AsyncIterable<DocumentRecord>, size: number): AsyncGenerator<IngestBatch> {
  for await (const batch of batches(records, size)) yield { records: batch };
}

/** Precomputed records without --model make a precomputed index of their dimension. */
async function encoderForBuild(first: DocumentRecord, options: EncoderOptions): Promise<Encoder> {
  if (!options.model && first.embeddings) {
    return new PrecomputedEncoder(first.embeddings.length / first.embeddingCount!);
  }
  return loadEncoder({ onStatus: say, ...options });
}

async function checkTarget(target: string, overwrite: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UsageError(`--index ${target} is a file, not a directory`);
    throw err;
  }
  if (entries.length === 0) return;
  if (!LateIndex.isIndex(target)) {
    throw new UsageError(`--index ${target} exists and is not an index; refusing to write into it`, 'not_an_index');
  }
  if (!overwrite) {
    throw new UsageError(`an index already exists at ${target}: use "lateindex add" to update it or --overwrite to rebuild`, 'index_exists');
  }
}

async function swapIntoPlace(staging: string, target: string): Promise<void> {
  const old = `${target}.old-${process.pid}`;
  let hadOld = false;
  try {
    await fs.rename(target, old);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.rename(staging, target);
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}
