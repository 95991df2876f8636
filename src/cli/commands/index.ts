import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { PrecomputedEncoder, loadEncoder, type Encoder, type EncoderOptions } from '../../encode/index.js';
import {
  LateIndex,
  CODEC_NAMES,
  DEFAULT_BLOCK_SIZE,
  buildIndex,
  countCorpusRecords,
  parseCodecName,
  readCorpus,
  type CodecTrainingReport,
  type IngestBatch,
  type SparseIndexMode,
} from '../../index/index.js';
import { parseReductionSpec } from '../../pool/index.js';
import { resolveBeirDataset } from '../../eval/index.js';
import { InputError, UsageError, type DocumentRecord } from '../../shared/index.js';
import { describeExactTokenLists, formatBytes, note, print, printJson } from '../output.js';
import { addEncoderOptions, addRequiredOption, checkEncoderFlagsForBuild, given, positiveInt, sparseBlockSize } from '../options.js';
import { VectorlessDocuments } from '../vectorless.js';
import { ProgressReporter } from '../progress.js';
import { TruncatedDocuments } from '../truncated-documents.js';
import { batches, peekFirst } from './batches.js';
import { indexBundleCommand } from './index-bundle.js';

export function configure(command: Command): void {
  command
    .option('--dataset <dir>', 'BEIR dataset folder (reads its corpus.jsonl)')
    .option('--corpus <path>', 'corpus: a .jsonl file or a folder of .txt/.md files')
    .option('--embeddings <dir>', 'precomputed embeddings: embeddings.npy + doclens.npy + ids.txt (or embeddings.safetensors + ids.txt); builds a PLAID index');
  addRequiredOption(command, new Option('--index <dir>', 'index directory to create'))
    .addOption(new Option('--batch-size <n>', 'documents per encode/write batch').argParser(positiveInt).default(64))
    .addOption(new Option('--reduce <spec>', 'token reduction pipeline, e.g. "skiplist,ward:2"').default('none'))
    .addOption(new Option('--quantize <codec>', 'vector storage codec (default: float16; plaid:4 with --embeddings)').choices(CODEC_NAMES))
    .addOption(
      new Option('--sparse <mode>', 'sparse postings for Block-Max Pruning: BM25 over the text, learned weights from records\' "sparse" field, or none')
        .choices(['bm25', 'learned', 'none'])
        .default('bm25'),
    )
    .addOption(
      new Option('--sparse-block-size <n>', 'documents per sparse block, 1..256 (smaller blocks prune more on large corpora)')
        .argParser(sparseBlockSize)
        .default(DEFAULT_BLOCK_SIZE),
    )
    .option(
      '--exact-match-recovery',
      'keep the tokens each stored row stands for, so exact token matches score as before reduction (default: on for the embedded encoder when --reduce has a pooler)',
    )
    .option('--no-exact-match-recovery', 'do not keep exact-match recovery lists')
    .option('--overwrite', 'replace an existing index at --index (swapped in only when the new one is complete)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--quiet', 'no progress bar');
  addEncoderOptions(command)
    .hook('preAction', (self) => {
      if (self.opts<IndexCommandOptions>().sparse === 'none' && given(self, 'sparseBlockSize')) {
        throw new UsageError('--sparse-block-size does nothing with --sparse none: there are no sparse blocks');
      }
      if (self.opts<IndexCommandOptions>().embeddings !== undefined) {
        for (const [name, flag] of BUNDLE_IGNORED_FLAGS) {
          if (given(self, name)) throw new UsageError(`${flag} does not apply to --embeddings builds (a PLAID index of the bundle's vectors as given)`);
        }
      }
    })
    .action(indexCommand);
}

/** Flags an --embeddings build has no use for: no encoder, no reduction, no text for sparse postings. */
const BUNDLE_IGNORED_FLAGS = [
  ['reduce', '--reduce'],
  ['sparse', '--sparse'],
  ['sparseBlockSize', '--sparse-block-size'],
  ['model', '--model'],
  ['batchSize', '--batch-size'],
  ['exactMatchRecovery', '--[no-]exact-match-recovery'],
] as const;

export interface IndexCommandOptions extends EncoderOptions {
  readonly dataset?: string;
  readonly corpus?: string;
  /** A bundle of precomputed embeddings (embeddings.npy + doclens.npy + ids.txt, or a safetensors file + ids.txt). */
  readonly embeddings?: string;
  readonly index: string;
  readonly batchSize: number;
  readonly reduce: string;
  /** A codec name (CODEC_NAMES); default float16, or plaid:4 with --embeddings. */
  readonly quantize?: string;
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
  if ([options.dataset, options.corpus, options.embeddings].filter(Boolean).length !== 1) {
    throw new UsageError('give exactly one of --dataset <BEIR dir>, --corpus <file | dir> or --embeddings <bundle dir>');
  }
  if (options.embeddings) return indexBundleCommand({ ...options, embeddings: options.embeddings });
  checkEncoderFlagsForBuild(options);
  // --dataset means what it means to eval and sweep: a BEIR folder (its corpus.jsonl is read).
  const source = options.dataset ? (await resolveBeirDataset(options.dataset)).corpus : options.corpus!;
  const quantization = parseCodecName(options.quantize ?? 'float16');
  const target = path.resolve(options.index);
  await checkTarget(target, options.overwrite === true);
  const pipeline = parseReductionSpec(options.reduce);

  const started = performance.now();
  const total = await countCorpusRecords(source);
  const { first, records } = await peekFirst(readCorpus(source));
  if (!first) throw new InputError('the corpus holds no records', { file: source }, undefined, 'empty_corpus');
  const encoder = await encoderForBuild(first, options);

  const staging = `${target}.building-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  const progress = new ProgressReporter('indexing', total, 'docs', options.quiet || options.json);
  let training: CodecTrainingReport | undefined;
  const vectorless = new VectorlessDocuments();
  const truncated = new TruncatedDocuments(encoder.documentTokenLimit);
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
      onBatch: (batch, result) => {
        vectorless.record(batch, result);
        truncated.record(batch, result);
      },
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
    ...vectorless.summary(),
    ...truncated.summary(),
  };
  vectorless.warn();
  truncated.warn();
  if (options.json) {
    printJson(summary);
    return;
  }
  print(
    `indexed ${summary.documents} documents, ${summary.vectors} vectors, ${formatBytes(summary.bytes)} of vectors ` +
      `(${summary.bytesPerDoc.toFixed(0)} B/doc) in ${summary.seconds}s (${summary.docsPerSecond} docs/s) -> ${target}`,
  );
  if (summary.exactTokenBytes !== undefined) {
    print(`exact-match recovery: ${describeExactTokenLists(summary.exactTokenBytes, summary.documents)}`);
  }
  if (training) {
    print(
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
  return loadEncoder({ onStatus: note, ...options });
}

export async function checkTarget(target: string, overwrite: boolean): Promise<void> {
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

export async function swapIntoPlace(staging: string, target: string): Promise<void> {
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
